"""Plausible wrong answers for lesson 03 (each must lose points)."""

_MLP_LOOP = """    for i, (W, b) in enumerate(params):
        Z = dense_forward(A, W, b)
        A = activation(output_activation if i == last else hidden_activation, Z)
        cache["Z"].append(Z)
        cache["A"].append(A)"""

MUTANTS = {
    "dense_forward": {
        "forgot the bias": ("X @ W + b", "X @ W"),
        "subtracts the bias": ("X @ W + b", "X @ W - b"),
        "transposed weights": ("X @ W + b", "X @ W.T + b"),
        "W @ X": ("X @ W + b", "(W.T @ X.T).T + b.sum()"),
        "element-wise product": ("X @ W + b", "X * W + b"),
        "sums over the batch": ("X @ W + b", "(X @ W + b).sum(axis=0)"),
        "applies relu inside the layer": ("X @ W + b", "np.maximum(X @ W + b, 0.0)"),
        "transposed weights, reshaped to fit": ("X @ W + b", "X @ W.T.reshape(W.shape) + b"),
        "bias as a column (added to every column)": ("X @ W + b", "X @ W + b.reshape(-1, 1)"),
        "W @ X + b (fits only square shapes)": ("X @ W + b", "W @ X + b"),
    },
    "init_dense": {
        "He with n_out instead of n_in": ("np.sqrt(2.0 / n_in)", "np.sqrt(2.0 / n_out)"),
        "LeCun std sqrt(1 / n_in) for He": ("np.sqrt(2.0 / n_in)", "np.sqrt(1.0 / n_in)"),
        "Xavier std sqrt(1 / (n_in + n_out))": (
            "np.sqrt(2.0 / (n_in + n_out))", "np.sqrt(1.0 / (n_in + n_out))"),
        "variance used as the std": ("np.sqrt(2.0 / n_in)", "2.0 / n_in"),
        "Xavier uniform, same variance": (
            "rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))",
            "rng.uniform(-np.sqrt(6.0 / (n_in + n_out)), np.sqrt(6.0 / (n_in + n_out)), "
            "size=(n_in, n_out))"),
        "global np.random instead of rng": (
            "rng.normal(0.0, np.sqrt(2.0 / n_in)", "np.random.normal(0.0, np.sqrt(2.0 / n_in)"),
        "a fresh generator inside": (
            "    if method == \"zeros\":", "    rng = np.random.default_rng(0)\n"
            "    if method == \"zeros\":"),
        "bias 0.01 (a ReLU folk trick)": ("b = np.zeros(n_out)", "b = np.full(n_out, 0.01)"),
        "random bias": ("b = np.zeros(n_out)", "b = rng.normal(0.0, 0.01, size=n_out)"),
        "W shape (n_out, n_in)": ("size=(n_in, n_out))\n    elif method == \"he\"",
                                  "size=(n_out, n_in))\n    elif method == \"he\""),
        "bias shape (n_out, 1)": ("b = np.zeros(n_out)", "b = np.zeros((n_out, 1))"),
        "Xavier and He formulas swapped": (
            """        W = rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))
    elif method == "he":
        W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))""",
            """        W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
    elif method == "he":
        W = rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))"""),
        "Xavier with n_in only": ("np.sqrt(2.0 / (n_in + n_out))", "np.sqrt(2.0 / n_in)"),
        "unknown method falls back to He": """
def init_dense(n_in, n_out, method, rng):
    if method == "zeros":
        W = np.zeros((n_in, n_out))
    elif method == "xavier":
        W = rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))
    else:
        W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
    return W, np.zeros(n_out)
""",
    },
    "init_mlp": {
        "new generator for every layer": (
            "init_dense(n_in, n_out, method, rng)",
            "init_dense(n_in, n_out, method, np.random.default_rng(seed))"),
        "drops the last layer": ("zip(sizes[:-1], sizes[1:], strict=True)",
                                 "zip(sizes[:-2], sizes[1:-1], strict=True)"),
        "sizes swapped": ("init_dense(n_in, n_out, method, rng)",
                          "init_dense(n_out, n_in, method, rng)"),
        "every layer fed by the input size": (
            "zip(sizes[:-1], sizes[1:], strict=True)",
            "zip([sizes[0]] * (len(sizes) - 1), sizes[1:], strict=True)"),
        "ignores the method": ("init_dense(n_in, n_out, method, rng)",
                               "init_dense(n_in, n_out, \"he\", rng)"),
        "ignores the seed": ("np.random.default_rng(seed)", "np.random.default_rng(0)"),
        "unseeded generator": ("np.random.default_rng(seed)", "np.random.default_rng()"),
        "default method xavier": ('method="he"', 'method="xavier"'),
        "zeros for every method": ("init_dense(n_in, n_out, method, rng)",
                                   "init_dense(n_in, n_out, \"zeros\", rng)"),
    },
    "mlp_forward": {
        "hidden activation on the last layer too": (
            "activation(output_activation if i == last else hidden_activation, Z)",
            "activation(hidden_activation, Z)"),
        "no activation on the output": (
            "activation(output_activation if i == last else hidden_activation, Z)",
            "Z if i == last else activation(hidden_activation, Z)"),
        "output activation on every layer": (
            "activation(output_activation if i == last else hidden_activation, Z)",
            "activation(output_activation, Z)"),
        "activations swapped": (
            "activation(output_activation if i == last else hidden_activation, Z)",
            "activation(hidden_activation if i == last else output_activation, Z)"),
        "cache['A'] misses the input X": ('cache = {"A": [X],', 'cache = {"A": [],'),
        "cache['Z'] holds the activations": ('cache["Z"].append(Z)', 'cache["Z"].append(A)'),
        "cache without the activation names": (
            """cache = {"A": [X], "Z": [], "hidden_activation": hidden_activation,
             "output_activation": output_activation}""",
            """cache = {"A": [X], "Z": []}"""),
        "returns the list of activations as A_out": (
            "return A, cache", "return cache[\"A\"], cache"),
        "last layer decided by the wrong index": ("last = len(params) - 1", "last = len(params)"),
        "forgets to feed each layer the previous output": (
            _MLP_LOOP, _MLP_LOOP.replace("dense_forward(A, W, b)", "dense_forward(X, W, b)")),
        "default output activation softmax": (
            'output_activation="sigmoid"', 'output_activation="softmax"'),
    },
}
