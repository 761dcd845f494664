"""Matrix-calculus worked examples (issue 5): least squares, ridge regression, softmax
regression and a Gaussian log-likelihood, each with the textbook closed form (matcalc
syntax, same shapes) that tests/test_worked_shapes.py compares with at random sizes."""
from __future__ import annotations

from .elementwise import ElementwiseExample as MatrixExample, _cmd

MATRIX_EXAMPLES: tuple[MatrixExample, ...] = (
    MatrixExample("quadratic_form", "Matrix Cookbook (81): d(x^T A x)/dx = (A + A^T) x",
                  _cmd("derive", "x.T @ A @ x", "x", "x:n", "A:n,n"), "(A + A.T) @ x"),
    MatrixExample("least_squares", "least squares: d||Xw - y||^2/dw = 2 X^T (Xw - y)",
                  _cmd("derive", "norm(X @ w - y)^2", "w", "X:m,n", "w:n", "y:m"),
                  "2*X.T @ (X @ w - y)"),
    MatrixExample("ridge_regression", "ridge regression: + lam ||w||^2 adds 2 lam w",
                  _cmd("derive", "norm(X @ w - y)^2 + lam * norm(w)^2", "w",
                       "X:m,n", "w:n", "y:m"),
                  "2*X.T @ (X @ w - y) + 2*lam*w"),
    MatrixExample("softmax_regression", "softmax regression, one example per column of X",
                  _cmd("derive", "-sum(Y * log_softmax(W @ X, axis=0)) / m", "W",
                       "W:k,n", "X:n,m", "Y:k,m"),
                  "(softmax(W @ X) * (ones(k, k) @ Y) - Y) @ X.T / m",
                  note="For one-hot Y (columns summing to 1) this is (softmax(WX) - Y) X^T / m."),
    MatrixExample("gaussian_loglik_mean", "Gaussian log-likelihood (up to a constant), mean",
                  _cmd("derive", "-logdet(S)/2 - (x - mu).T @ inv(S) @ (x - mu) / 2", "mu",
                       "S:n,n", "x:n", "mu:n"),
                  "(inv(S) + inv(S).T) @ (x - mu) / 2",
                  note="For a symmetric covariance S this is S^-1 (x - mu)."),
    MatrixExample("gaussian_loglik_covariance", "Gaussian log-likelihood, covariance",
                  _cmd("derive", "-logdet(S)/2 - (x - mu).T @ inv(S) @ (x - mu) / 2", "S",
                       "S:n,n", "x:n", "mu:n"),
                  "(inv(S).T @ (x - mu) @ (x - mu).T @ inv(S).T - inv(S).T) / 2",
                  note="Matrix Cookbook (57) and (61); for symmetric S: "
                       "(S^-1 (x-mu)(x-mu)^T S^-1 - S^-1)/2."),
    MatrixExample("logdet", "Matrix Cookbook (57): d log det X / dX = X^-T",
                  _cmd("derive", "logdet(X)", "X", "X:n,n"), "inv(X).T"),
    MatrixExample("trace_inverse", "Matrix Cookbook (63): d tr(A X^-1 B)/dX",
                  _cmd("derive", "tr(A @ inv(X) @ B)", "X", "A:n,n", "B:n,n", "X:n,n"),
                  "-(inv(X) @ B @ A @ inv(X)).T"),
)
