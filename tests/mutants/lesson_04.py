"""Plausible wrong answers for lesson 04 (each must lose points)."""

MUTANTS = {
    "mse": {
        "sum instead of mean": ("np.mean((y - y_hat) ** 2)", "np.sum((y - y_hat) ** 2)"),
        "root of the mean (RMSE)": ("np.mean((y - y_hat) ** 2)",
                                    "np.sqrt(np.mean((y - y_hat) ** 2))"),
        "mean absolute error": ("np.mean((y - y_hat) ** 2)", "np.mean(np.abs(y - y_hat))"),
        "forgot to square": ("np.mean((y - y_hat) ** 2)", "np.mean(y - y_hat)"),
        "mean per column, not over all": ("float(np.mean((y - y_hat) ** 2))",
                                          "np.mean((y - y_hat) ** 2, axis=0)"),
        "divides by the number of rows": ("np.mean((y - y_hat) ** 2)",
                                          "np.sum((y - y_hat) ** 2) / len(y)"),
        "halved (the 1/2 convention)": ("np.mean((y - y_hat) ** 2)",
                                        "0.5 * np.mean((y - y_hat) ** 2)"),
        "squared difference of the means": ("np.mean((y - y_hat) ** 2)",
                                            "(np.mean(y) - np.mean(y_hat)) ** 2"),
        "no np.asarray (lists fail)": """
def mse(y, y_hat):
    return float(np.mean((y - y_hat) ** 2))
""",
    },
    "binary_cross_entropy": {
        "no clipping (log of 0)": ("np.clip(np.ravel(np.asarray(p, dtype=float)), eps, 1.0 - eps)",
                                   "np.ravel(np.asarray(p, dtype=float))"),
        "no clipping, warnings silenced": """
def binary_cross_entropy(y, p):
    y = np.ravel(np.asarray(y, dtype=float))
    p = np.ravel(np.asarray(p, dtype=float))
    with np.errstate(all="ignore"):
        return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
""",
        "no np.asarray/np.ravel (1 - list fails)": """
def binary_cross_entropy(y, p):
    eps = 1e-12
    p = np.clip(p, eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
""",
        "log(1 - p) of the unclipped p": """
def binary_cross_entropy(y, p):
    eps = 1e-12
    y = np.ravel(np.asarray(y, dtype=float))
    p_raw = np.ravel(np.asarray(p, dtype=float))
    p = np.clip(p_raw, eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p_raw)))
""",
        "clips from below only": ("np.clip(np.ravel(np.asarray(p, dtype=float)), eps, 1.0 - eps)",
                                  "np.maximum(np.ravel(np.asarray(p, dtype=float)), eps)"),
        "clips far too coarsely (eps = 1e-3)": ("eps = 1e-12", "eps = 1e-3"),
        "sum instead of mean": ("-np.mean(", "-np.sum("),
        "forgot the (1 - y) term": ("y * np.log(p) + (1.0 - y) * np.log(1.0 - p)",
                                    "y * np.log(p)"),
        "missing minus sign": ("float(-np.mean(", "float(np.mean("),
        "log10 instead of the natural log": ("np.log(", "np.log10("),
        "no ravel (column p broadcasts to (n, n))": (
            "y = np.ravel(np.asarray(y, dtype=float))\n"
            "    p = np.clip(np.ravel(np.asarray(p, dtype=float)), eps, 1.0 - eps)",
            "y = np.asarray(y, dtype=float)\n"
            "    p = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)"),
        "clips the caller's p in place": (
            "p = np.clip(np.ravel(np.asarray(p, dtype=float)), eps, 1.0 - eps)",
            "p = np.ravel(p)\n    np.clip(p, eps, 1.0 - eps, out=p)"),
    },
    "categorical_cross_entropy": {
        "mean over all elements (divides by n * c)": (
            "-np.mean(np.sum(Y * np.log(P), axis=1))", "-np.mean(Y * np.log(P))"),
        "no clipping (0 * log 0 = nan)": ("np.clip(np.asarray(P, dtype=float), eps, 1.0)",
                                          "np.asarray(P, dtype=float)"),
        "sum over samples, no mean": ("-np.mean(np.sum(Y * np.log(P), axis=1))",
                                      "-np.sum(Y * np.log(P))"),
        "missing minus sign": ("float(-np.mean(", "float(np.mean("),
        "adds log(1 - P) terms like BCE per class": (
            "np.sum(Y * np.log(P), axis=1)",
            "np.sum(Y * np.log(P) + (1 - Y) * np.log(np.clip(1 - P, eps, 1.0)), axis=1)"),
        "uses the largest probability, not the true class": (
            "-np.mean(np.sum(Y * np.log(P), axis=1))", "-np.mean(np.log(P.max(axis=1)))"),
        "true-class idiom -log(P[Y == 1]) without clipping": """
def categorical_cross_entropy(Y, P):
    Y = np.asarray(Y, dtype=float)
    P = np.asarray(P, dtype=float)
    return float(-np.mean(np.log(P[Y == 1])))
""",
        "true-class mask P[Y == 1] without np.asarray (lists select nothing)": """
def categorical_cross_entropy(Y, P):
    eps = 1e-12
    P = np.clip(P, eps, 1.0)
    return float(-np.mean(np.log(P[Y == 1])))
""",
        "clips P far too coarsely (eps = 1e-3)": ("eps = 1e-12", "eps = 1e-3"),
        "sums over samples then averages over classes": (
            "np.sum(Y * np.log(P), axis=1)", "np.sum(Y * np.log(P), axis=0)"),
    },
    "accuracy": {
        "count instead of fraction": ("float(np.mean(y_true == y_pred))",
                                      "int(np.sum(y_true == y_pred))"),
        "percentage": ("float(np.mean(y_true == y_pred))",
                       "float(100 * np.mean(y_true == y_pred))"),
        "error rate": ("y_true == y_pred", "y_true != y_pred"),
        "no ravel (column broadcasts to (n, n))": (
            "y_true = np.ravel(np.asarray(y_true))\n    y_pred = np.ravel(np.asarray(y_pred))",
            "y_true = np.asarray(y_true)\n    y_pred = np.asarray(y_pred)"),
        "no np.asarray/np.ravel (.mean() of a list comparison)": """
def accuracy(y_true, y_pred):
    return float((y_true == y_pred).mean())
""",
        "integer division": ("float(np.mean(y_true == y_pred))",
                             "int(np.sum(y_true == y_pred)) // y_true.size"),
        "only compares the positive class": ("np.mean(y_true == y_pred)",
                                             "np.mean((y_true == 1) & (y_pred == 1))"),
    },
}
