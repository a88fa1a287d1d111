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
        "w @ x instead of x @ w (fails on a batch)": ("x @ w + b", "w @ x + b"),
        "float() of the result (fails on a batch)": ("x @ w + b", "float(x @ w + b)"),
        "sums along axis=1 (fails on one input)": ("x @ w + b", "np.sum(x * w, axis=1) + b"),
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
        "e^-z / (1 + e^-z), which is sigmoid(-z)": (
            "1.0 / (1.0 + np.exp(-z))", "np.exp(-z) / (1.0 + np.exp(-z))"),
        "rounds the output to 3 decimals": (
            "1.0 / (1.0 + np.exp(-z))", "np.round(1.0 / (1.0 + np.exp(-z)), 3)"),
        "hand-written sigmoid that forgets the bias": """
def neuron_output(x, w, b):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    return 1.0 / (1.0 + np.exp(-(x @ w)))
""",
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
        "rounds the output instead of comparing with the threshold": (
            "(neuron_output(X, w, b) >= threshold).astype(int)",
            "np.round(neuron_output(X, w, b)).astype(int)"),
        "z >= 0 (the 0.5 rule) whatever the threshold": (
            "(neuron_output(X, w, b) >= threshold)", "(weighted_sum(X, w, b) >= 0)"),
        "thresholds z instead of the output": (
            "(neuron_output(X, w, b) >= threshold)",
            "(weighted_sum(X, w, b) >= threshold)"),
    },
}
