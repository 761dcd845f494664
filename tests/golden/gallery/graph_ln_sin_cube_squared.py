6*x**2/np.tan(x**3)
