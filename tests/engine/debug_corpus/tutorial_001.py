# Step 1: Import Required Libraries
import numpy as np

# Step 2: Define Activation Function and Derivativ
def sigmoid(x):
    # Sigmoid activation function: 1 / (1 + e^(-x))
    return 1 / (1 + np.exp(-x))

def sigmoid_derivative(x):
    # Derivative of sigmoid for backpropagation
    return x * (1 - x)

# Step 3: Initialize Training Data (Dummy)
# Input features (2 features per example) means 2 columns 4 rows
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])

# Target outputs (expected results for XOR problem)
y = np.array([[0], [1], [1], [0]])

# Step 4: Initialize Weights and Bias
# Random weights initialization
np.random.seed(42)  # For consistent results
weights_input_hidden = np.random.rand(2, 2)  # Between input and hidden layer
weights_hidden_output = np.random.rand(2, 1)  # Between hidden and output layer
bias_hidden = np.random.rand(1, 2)  # Bias for hidden layer
bias_output = np.random.rand(1, 1)  # Bias for output layer

# Step 5: Implement Forward and Backward Pass

# Training process
for epoch in range(10000):  # Number of iterations
    # Forward Pass
    # Step 1: Input to Hidden Layer
    hidden_layer_input = np.dot(X, weights_input_hidden) + bias_hidden
    hidden_layer_output = sigmoid(hidden_layer_input)

    # Step 2: Hidden to Output Layer
    output_layer_input = np.dot(hidden_layer_output, weights_hidden_output) + bias_output
    predicted_output = sigmoid(output_layer_input)

    # Backward Pass (Error Calculation and Weight Update)
    # Step 3: Calculate Error
    error = y - predicted_output

    # Step 4: Compute Gradients
    output_gradient = error * sigmoid_derivative(predicted_output)
    hidden_error = output_gradient.dot(weights_hidden_output.T)
    hidden_gradient = hidden_error * sigmoid_derivative(hidden_layer_output)

    # Step 5: Update Weights and Biases
    weights_hidden_output += hidden_layer_output.T.dot(output_gradient) * 0.1  # Learning rate = 0.1
    weights_input_hidden += X.T.dot(hidden_gradient) * 0.1
    bias_hidden += np.sum(hidden_gradient, axis=0, keepdims=True) * 0.1
    bias_output += np.sum(output_gradient, axis=0, keepdims=True) * 0.1

# Step 6: Test the Model
# Print final predictions
print("Final Predictions:")
print(predicted_output)
