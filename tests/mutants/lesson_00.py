"""Plausible wrong answers for lesson 00 (each must lose points)."""

MUTANTS = {
    "standardize": {
        "rows instead of columns (axis=1)": ("X.mean(axis=0)\n    std = X.std(axis=0)",
                                             "X.mean(axis=1, keepdims=True)\n"
                                             "    std = X.std(axis=1, keepdims=True)"),
        "sample std (ddof=1)": ("std = X.std(axis=0)", "std = X.std(axis=0, ddof=1)"),
        "only subtracts the mean": ("(X - mean) / safe", "(X - mean)"),
        "divides by the variance": ("safe = np.where(constant, 1.0, std)",
                                    "safe = np.where(constant, 1.0, std**2)"),
        "one mean and std for the whole array": (
            "mean = X.mean(axis=0)\n    std = X.std(axis=0)",
            "mean = X.mean()\n    std = X.std() * np.ones(X.shape[1])"),
        "divides constant columns by zero": """
def standardize(X):
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0)
""",
        "modifies X in place": """
def standardize(X):
    std = X.std(axis=0)
    X -= X.mean(axis=0)
    X /= np.where(std > 0, std, 1.0)
    return X
""",
        "constant columns left as they are": (
            "np.where(constant, 0.0, (X - mean) / safe)",
            "np.where(constant, X, (X - mean) / safe)"),
        "np.where around a division by zero (warns)": (
            "np.where(constant, 0.0, (X - mean) / safe)",
            "np.where(constant, 0.0, (X - mean) / std)"),
        "variance from the mean of squares, without the square root": (
            "std = X.std(axis=0)", "std = ((X - mean) ** 2).mean(axis=0)"),
        "divides by n - 1 by hand": (
            "std = X.std(axis=0)",
            "std = np.sqrt(((X - mean) ** 2).sum(axis=0) / (len(X) - 1))"),
        "constant columns found with std > 0 (not exact in floating point)": (
            "constant = X.max(axis=0) == X.min(axis=0)", "constant = ~(std > 0)"),
        "constant columns found with std != 0 and a plain division": """
def standardize(X):
    X = np.asarray(X, dtype=float)
    std = X.std(axis=0)
    Z = np.zeros_like(X)
    nonzero = std != 0
    Z[:, nonzero] = (X[:, nonzero] - X.mean(axis=0)[nonzero]) / std[nonzero]
    return Z
""",
        "safe denominator, but constant columns found with std == 0": """
def standardize(X):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    safe = np.where(std == 0, 1.0, std)
    return np.where(std == 0, 0.0, (X - mean) / safe)
""",
        "constant columns zeroed before the division, then divided by std anyway": """
def standardize(X):
    X = np.asarray(X, dtype=float)
    constant = X.max(axis=0) == X.min(axis=0)
    centred = np.where(constant, 0.0, X - X.mean(axis=0))
    return centred / X.std(axis=0)
""",
        "constant columns divided by a safe 1.0 but never set to zero": (
            "np.where(constant, 0.0, (X - mean) / safe)", "(X - mean) / safe"),
    },
}
