6*x**2*np.cos(x**3)/np.sin(x**3)
