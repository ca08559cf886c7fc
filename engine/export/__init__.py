"""Sessions as code: standalone NumPy and PyTorch training scripts, and PyTorch models read back."""
