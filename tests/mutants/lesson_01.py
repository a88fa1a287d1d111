"""Plausible wrong answers for lesson 01 (each must lose points)."""

MUTANTS = {
    "weighted_sum": {
        "forgot the bias": ("x @ w + b", "x @ w"),
        "subtracts the bias": ("x @ w + b", "x @ w - b"),
        "sums everything, not per sample": ("x @ w + b", "np.sum(x * w) + b"),
        "no np.asarray (lists fail)": """
def weighted_sum(x, w, b):
    return x @ w + b
""",
        "product of sums": ("x @ w + b", "np.sum(x, axis=-1) * np.sum(w) + b"),
        "rounds the result": ("x @ w + b", "np.round(x @ w + b, 1)"),
    },
    "neuron_output": {
        "forgot the activation": ("1.0 / (1.0 + np.exp(-z))", "z"),
        "wrong sign in the exponent": ("np.exp(-z)", "np.exp(z)"),
        "tanh instead of sigmoid": ("1.0 / (1.0 + np.exp(-z))", "np.tanh(z)"),
        "step function": ("1.0 / (1.0 + np.exp(-z))", "(z >= 0).astype(float)"),
        "rounded intermediate e^-z (the 0.633 tutorial)": (
            "1.0 / (1.0 + np.exp(-z))", "1.0 / (1.0 + np.round(np.exp(-z), 2))"),
        "bias added after the sigmoid": (
            "z = weighted_sum(x, w, b)\n    return 1.0 / (1.0 + np.exp(-z))",
            "z = weighted_sum(x, w, 0.0)\n    return 1.0 / (1.0 + np.exp(-z)) + b"),
    },
    "neuron_predict": {
        "returns probabilities, not labels": (
            "(neuron_output(X, w, b) >= threshold).astype(int)", "neuron_output(X, w, b)"),
        "returns booleans": (
            "(neuron_output(X, w, b) >= threshold).astype(int)",
            "neuron_output(X, w, b) >= threshold"),
        "strict > at the threshold": (">= threshold", "> threshold"),
        "ignores the threshold argument": (">= threshold", ">= 0.5"),
        "labels inverted": (">= threshold", "< threshold"),
        "floats 0.0/1.0": (".astype(int)", ".astype(float)"),
        "thresholds z instead of the output": (
            "(neuron_output(X, w, b) >= threshold)",
            "(weighted_sum(X, w, b) >= threshold)"),
    },
}
