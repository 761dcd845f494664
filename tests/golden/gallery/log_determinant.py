np.linalg.inv(X).T
