"""Plausible wrong answers for lesson 00 (each must lose points)."""

MUTANTS = {
    "standardize": {
        "rows instead of columns (axis=1)": ("X.mean(axis=0)\n    std = X.std(axis=0)",
                                             "X.mean(axis=1, keepdims=True)\n"
                                             "    std = X.std(axis=1, keepdims=True)"),
        "sample std (ddof=1)": ("std = X.std(axis=0)", "std = X.std(axis=0, ddof=1)"),
        "only subtracts the mean": ("(X - mean) / safe", "(X - mean)"),
        "divides by the variance": ("safe = np.where(std > 0, std, 1.0)",
                                    "safe = np.where(std > 0, std**2, 1.0)"),
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
            "np.where(std > 0, (X - mean) / safe, 0.0)",
            "np.where(std > 0, (X - mean) / safe, X)"),
    },
}
