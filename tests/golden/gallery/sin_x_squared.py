2*x*np.cos(x**2)
