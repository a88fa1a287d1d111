"""Plausible wrong answers for lesson 02 (each must lose points)."""

MUTANTS = {
    "relu": {
        "absolute value instead of clipping": ("np.maximum(0.0, z)", "np.abs(z)"),
        "minimum instead of maximum": ("np.maximum(0.0, z)", "np.minimum(0.0, z)"),
        "np.max reduces instead of comparing": ("np.maximum(0.0, z)", "np.max(z, 0)"),
        "returns the step (the derivative)": ("np.maximum(0.0, z)", "(z > 0).astype(float)"),
        "clips at 1 as well": ("np.maximum(0.0, z)", "np.clip(z, 0.0, 1.0)"),
        "writes into the input": """
def relu(z):
    z[z < 0] = 0.0
    return z
""",
    },
    "leaky_relu": {
        "ignores alpha (hard-coded 0.01)": ("alpha * z)", "0.01 * z)"),
        "branches swapped": ("np.where(z > 0, z, alpha * z)", "np.where(z > 0, alpha * z, z)"),
        "max(alpha, z)": ("np.where(z > 0, z, alpha * z)", "np.maximum(alpha, z)"),
        "no leak (plain ReLU)": ("np.where(z > 0, z, alpha * z)", "np.where(z > 0, z, 0.0)"),
        "wrong default alpha": ("alpha=0.01", "alpha=0.1"),
        "sign error in the leak": ("alpha * z)", "-alpha * z)"),
    },
    "relu_grad": {
        "slope 1 at z = 0": ("> 0)", ">= 0)"),
        "returns booleans": ("(np.asarray(z) > 0).astype(float)", "np.asarray(z) > 0"),
        "returns ReLU itself": ("(np.asarray(z) > 0).astype(float)", "np.maximum(0.0, z)"),
        "returns integers": (".astype(float)", ".astype(int)"),
        "sign flipped": ("> 0)", "< 0)"),
        "slope 0.5 at z = 0": (
            "(np.asarray(z) > 0).astype(float)",
            "np.where(np.asarray(z) > 0, 1.0, np.where(np.asarray(z) == 0, 0.5, 0.0))"),
    },
    "sigmoid": {
        "textbook formula overflows": """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return 1.0 / (1.0 + np.exp(-z))
""",
        "np.where over two overflowing branches": """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
""",
        "forgot the absolute value": ("np.exp(-np.abs(z))", "np.exp(-z)"),
        "branches swapped": (
            "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))"),
        "clips z to [-10, 10]": ("np.exp(-np.abs(z))", "np.exp(-np.abs(np.clip(z, -10, 10)))"),
        "tanh instead of sigmoid": (
            "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))", "np.tanh(z)"),
        "sign error (sigmoid of -z)": ("z >= 0,", "z < 0,"),
    },
    "sigmoid_grad": {
        "formula applied to z, not sigmoid(z)": ("s * (1.0 - s)", "z * (1.0 - z)"),
        "tanh's derivative": ("s * (1.0 - s)", "1.0 - s**2"),
        "returns sigmoid itself": ("s * (1.0 - s)", "s"),
        "plus instead of minus": ("s * (1.0 - s)", "s * (1.0 + s)"),
        "z in the second factor": ("s * (1.0 - s)", "s * (1.0 - z)"),
        "z in the first factor": ("s * (1.0 - s)", "z * (1.0 - s)"),
        "naive exp formula overflows": """
def sigmoid_grad(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-z) / (1.0 + np.exp(-z)) ** 2
""",
    },
    "softmax": {
        "no max shift (overflows)": ("Z - Z.max(axis=1, keepdims=True)", "Z"),
        "normalises over the whole array": (
            "E / E.sum(axis=1, keepdims=True)", "E / E.sum()"),
        "column-wise": ("""    shifted = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(shifted)
    return E / E.sum(axis=1, keepdims=True)""", """    shifted = Z - Z.max(axis=0, keepdims=True)
    E = np.exp(shifted)
    return E / E.sum(axis=0, keepdims=True)"""),
        "forgot keepdims in the sum": ("E.sum(axis=1, keepdims=True)", "E.sum(axis=1)"),
        "subtracts the global maximum": ("Z.max(axis=1, keepdims=True)", "Z.max()"),
        "subtracts the row mean": ("Z.max(axis=1, keepdims=True)", "Z.mean(axis=1, keepdims=True)"),
        "row maximum, but column sums": (
            "E / E.sum(axis=1, keepdims=True)", "E / E.sum(axis=0, keepdims=True)"),
        "max shift without keepdims": (
            "Z - Z.max(axis=1, keepdims=True)", "Z - Z.max(axis=1)"),
        "exp of the unshifted logits in the numerator": (
            "return E / E.sum(axis=1, keepdims=True)",
            "return np.exp(Z) / E.sum(axis=1, keepdims=True)"),
    },
    "collapse_linear": {
        "products in the wrong order": ("W = W1 @ W2", "W = W2 @ W1"),
        "adds the biases": ("b = b1 @ W2 + b2", "b = b1 + b2"),
        "keeps only the last bias": ("b = b1 @ W2 + b2", "b = b2"),
        "forgot the last bias": ("b = b1 @ W2 + b2", "b = b1 @ W2"),
        "W2 @ b1 instead of b1 @ W2": ("b = b1 @ W2 + b2", "b = W2 @ b1 + b2"),
        "element-wise product": ("W = W1 @ W2", "W = W1 * W2"),
        "returns (b, W)": ("return W, b", "return b, W"),
    },
}
