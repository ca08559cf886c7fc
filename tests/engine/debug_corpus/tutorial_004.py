import numpy as np

def sigmoid(x):
    return 1/(1+np.exp(-x))

def sigmoid_derivative(x):
    return x*(1-x)

input_size = 2
hidden_layer_size = 2
output_size = 1

np.random.seed(42)
weights_input_hidden = np.random.rand(input_size, hidden_layer_size)  # shape 2x2
weights_hidden_output = np.random.rand(hidden_layer_size, output_size) #shape 2x1

bias_hidden = np.zeros((1, hidden_layer_size))
bias_output = np.zeros((1,output_size))

#Training
X = np.array([[0.5,0.6]])
y = np.array([[0.8]])


#Parameters
learning_rate = 0.1
epochs = 100



for epoch in range(epochs):
    # Forward Pass
    # Input to Hidden Layer

    hidden_input = np.dot(X, weights_input_hidden) + bias_hidden
    hidden_output = sigmoid(hidden_input)

    # Hidden Layer to Output Layer
    output_input = np.dot(hidden_output, weights_hidden_output) + bias_output
    predicted_output = sigmoid(output_input)

    # Calculating Loss
    loss = 0.5 * np.sum((predicted_output - y) ** 2)

    # Backward Pass
    # Computing Gradients
    d_loss_d_output = predicted_output - y
    d_output_d_hidden = sigmoid_derivative(predicted_output)
    d_hidden_d_input = sigmoid_derivative(hidden_output)

    # Updating weights and biases using the chain rule
    weights_hidden_output -= learning_rate * np.dot(hidden_output.T, d_loss_d_output * d_output_d_hidden)
    weights_input_hidden -= learning_rate * np.dot(X.T, np.dot(d_loss_d_output * d_output_d_hidden, weights_hidden_output.T) * d_hidden_d_input)

    bias_output -= learning_rate * np.sum(d_loss_d_output * d_output_d_hidden, axis=0, keepdims=True)
    bias_hidden -= learning_rate * np.sum(np.dot(d_loss_d_output * d_output_d_hidden, weights_hidden_output.T) * d_hidden_d_input, axis=0, keepdims=True)

    # Printing the loss for every 10 epochs
    if (epoch + 1) % 10 == 0:
        print(f'Epoch [{epoch + 1}/{epochs}], Loss: {loss}')
