X.T @ np.diagflat((1 - (1/(1 + np.exp(-(-(y * (X @ w)))))))*(1/(1 + np.exp(-(-(y * (X @ w)))))) * y * y) @ X
