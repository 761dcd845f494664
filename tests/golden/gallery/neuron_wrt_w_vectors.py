np.heaviside(b + (w.T @ x)[0, 0], 0) * x
