2 * (X.T @ (X @ w - y))
