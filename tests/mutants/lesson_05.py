"""Plausible wrong answers for lesson 05 (each must lose points)."""

MUTANTS = {
    "relu_backward": {
        "Z >= 0 (passes the gradient at the kink)": ("(Z > 0)", "(Z >= 0)"),
        "masks on dA > 0 instead of Z > 0": ("dA * (Z > 0)", "dA * (dA > 0)"),
        "returns dA unchanged (no mask)": ("dA * (Z > 0)", "dA"),
        "returns the mask, forgets dA": ("dA * (Z > 0)", "(Z > 0).astype(float)"),
        "multiplies by Z": ("dA * (Z > 0)", "dA * Z"),
        "relu of the gradient": ("dA * (Z > 0)", "np.maximum(dA, 0.0)"),
        "returns booleans": ("dA * (Z > 0)", "(dA != 0) & (Z > 0)"),
        "multiplies by relu(Z), the layer's output A": ("dA * (Z > 0)",
                                                        "dA * np.maximum(Z, 0.0)"),
        "masks on Z > 0 but also clips negative dA to 0": ("dA * (Z > 0)",
                                                           "np.maximum(dA, 0.0) * (Z > 0)"),
    },
    "sigmoid_bce_backward": {
        "forgot the 1/n": ("(p - y) / p.shape[0]", "p - y"),
        "wrong sign": ("(p - y) / p.shape[0]", "(y - p) / p.shape[0]"),
        "gradient with respect to p, not z": (
            "(p - y) / p.shape[0]", "(p - y) / (p * (1.0 - p)) / p.shape[0]"),
        "no reshape (column p broadcasts to (n, n))": (
            "y = np.reshape(np.asarray(y, dtype=float), p.shape)",
            "y = np.asarray(y, dtype=float)"),
        "one number: the mean of p - y": ("(p - y) / p.shape[0]", "np.mean(p - y)"),
        "extra sigmoid derivative": ("(p - y) / p.shape[0]",
                                     "(p - y) * p * (1.0 - p) / p.shape[0]"),
    },
    "dense_backward": {
        "dW = dZ.T @ X (transposed)": ("dW = X.T @ dZ", "dW = dZ.T @ X"),
        "dW = X @ dZ.T": ("dW = X.T @ dZ", "dW = X @ dZ.T"),
        "db summed over the wrong axis": ("db = dZ.sum(axis=0)", "db = dZ.sum(axis=1)"),
        "db averaged instead of summed": ("db = dZ.sum(axis=0)", "db = dZ.mean(axis=0)"),
        "db keeps a (1, k) shape": ("db = dZ.sum(axis=0)", "db = dZ.sum(axis=0, keepdims=True)"),
        "dX = dZ @ W (no transpose)": ("dX = dZ @ W.T", "dX = dZ @ W"),
        "dW averaged over samples": ("dW = X.T @ dZ", "dW = X.T @ dZ / len(X)"),
        "returns (dW, db, dX)": ("return dX, dW, db", "return dW, db, dX"),
        "db = dZ (no sum over the samples)": ("db = dZ.sum(axis=0)", "db = dZ"),
        "db sums over everything": ("db = dZ.sum(axis=0)", "db = dZ.sum()"),
        "returns (dW, dX, db)": ("return dX, dW, db", "return dW, dX, db"),
        "returns (dX, db, dW)": ("return dX, dW, db", "return dX, db, dW"),
    },
    "numerical_gradient": {
        "one-sided difference": (
            "xc[idx] = old - eps\n        f_minus = f(xc)",
            "xc[idx] = old\n        f_minus = f(xc)"),
        "forgot the 2 in 2 * eps": ("(f_plus - f_minus) / (2 * eps)", "(f_plus - f_minus) / eps"),
        "forward difference (f(x + eps) - f(x)) / eps": (
            "xc[idx] = old - eps\n        f_minus = f(xc)\n        xc[idx] = old\n"
            "        grad[idx] = (f_plus - f_minus) / (2 * eps)",
            "xc[idx] = old\n        f_minus = f(xc)\n        grad[idx] = (f_plus - f_minus) / eps"),
        "ignores the eps argument": ("xc = np.array(x, dtype=float)",
                                     "xc = np.array(x, dtype=float)\n    eps = 1e-5"),
        "no float copy (int arrays truncate x + eps)": ("xc = np.array(x, dtype=float)",
                                                        "xc = np.array(x)"),
        "returns a flattened gradient": ("return grad", "return grad.ravel()"),
        "does not put xc[idx] back after the nudges": ("        xc[idx] = old\n", ""),
        "mutates the caller's x and never restores it": """
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f(x)
        x[idx] = old - eps
        f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad
""",
        "restores x by arithmetic (round-off changes it)": """
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        x[idx] += eps
        f_plus = f(x)
        x[idx] -= 2 * eps
        f_minus = f(x)
        x[idx] += eps
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad
""",
    },
    "relative_error": {
        "no max(..., 1e-12) guard (0 / 0)": (
            "max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)",
            "np.linalg.norm(a) + np.linalg.norm(b)"),
        "guard added instead of max": (
            "max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)",
            "np.linalg.norm(a) + np.linalg.norm(b) + 1e-12"),
        "max of the norms in the denominator": (
            "max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)",
            "max(np.linalg.norm(a), np.linalg.norm(b), 1e-12)"),
        "relative to b only": ("max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)",
                               "max(np.linalg.norm(b), 1e-12)"),
        "difference of norms, not norm of the difference": (
            "np.linalg.norm(a - b) / scale", "abs(np.linalg.norm(a) - np.linalg.norm(b)) / scale"),
        "element-wise, not a norm": ("float(np.linalg.norm(a - b) / scale)",
                                     "np.abs(a - b) / scale"),
        "squared norms": ("float(np.linalg.norm(a - b) / scale)",
                          "float(np.sum((a - b) ** 2) / scale)"),
        "no np.asarray: two lists cannot be subtracted": (
            "    a = np.asarray(a, dtype=float)\n    b = np.asarray(b, dtype=float)\n", ""),
        "np.max(v, 1e-12) instead of max (1e-12 read as an axis)": (
            "max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)",
            "np.max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)"),
    },
    "mlp_backward": {
        "activation derivative at A instead of Z": ("np.tanh(Z_prev)", "np.tanh(A[layer - 1])"),
        "pre-activation of the wrong layer": ("Z_prev = Z[layer - 2]", "Z_prev = Z[layer - 1]"),
        "dW from the layer's output, not its input": (
            "dense_backward(dZ, A[layer - 1], W)", "dense_backward(dZ, A[layer], W)"),
        "gradients in backward order": ("grads[layer - 1] = (dW, db)",
                                        "grads[L - layer] = (dW, db)"),
        "always ReLU (ignores hidden_activation)": ('if activation == "relu":', "if True:"),
        "forgets the tanh derivative": ("dZ = dA_prev * (1.0 - np.tanh(Z_prev) ** 2)",
                                        "dZ = dA_prev"),
        "sigmoid derivative applied again at the output": (
            "dZ = sigmoid_bce_backward(A[L], y)",
            "dZ = sigmoid_bce_backward(A[L], y) * A[L] * (1.0 - A[L])"),
        "forgot the 1/n at the output": (
            "dZ = sigmoid_bce_backward(A[L], y)",
            "dZ = A[L] - np.reshape(np.asarray(y, dtype=float), A[L].shape)"),
        "y not reshaped (column minus row broadcasts)": (
            "dZ = sigmoid_bce_backward(A[L], y)", "dZ = (A[L] - y) / len(y)"),
        "sigmoid derivative written as s * s": ("dZ = dA_prev * s * (1.0 - s)",
                                                "dZ = dA_prev * s * s"),
        "uses the next layer's weights": ("W, _ = params[layer - 1]",
                                          "W, _ = params[min(layer, L - 1)]"),
        "textbook sigmoid 1 / (1 + exp(-Z)) overflows": (
            "s = sigmoid(Z_prev)", "s = 1.0 / (1.0 + np.exp(-Z_prev))"),
        "forgets the sigmoid derivative": ("dZ = dA_prev * s * (1.0 - s)", "dZ = dA_prev"),
        "sign error at the output": ("dZ = sigmoid_bce_backward(A[L], y)",
                                     "dZ = -sigmoid_bce_backward(A[L], y)"),
        "tanh derivative written as 1 - tanh(Z)": (
            "dZ = dA_prev * (1.0 - np.tanh(Z_prev) ** 2)",
            "dZ = dA_prev * (1.0 - np.tanh(Z_prev))"),
        "dW and db divided by n again": ("grads[layer - 1] = (dW, db)",
                                         "grads[layer - 1] = (dW / len(y), db / len(y))"),
        "weights of the layer below": ("W, _ = params[layer - 1]", "W, _ = params[layer - 2]"),
        "changes the cache in place (A[L] -= y)": (
            "dZ = sigmoid_bce_backward(A[L], y)",
            "A[L] -= np.reshape(np.asarray(y, dtype=float), A[L].shape)\n    dZ = A[L] / len(y)"),
        "clips the cached Z in place before the sigmoid": (
            "s = sigmoid(Z_prev)", "s = sigmoid(np.clip(Z_prev, -30.0, 30.0, out=Z_prev))"),
        "activation derivative of the layer above": (
            "Z_prev = Z[layer - 2]  # pre-activation of the layer below",
            "Z_prev = Z[layer - 1] if Z[layer - 1].shape == dA_prev.shape else Z[layer - 2]"),
    },
    "softmax_ce_backward": {
        "forgot the 1/n": ("(P - Y) / P.shape[0]", "P - Y"),
        "Y - P (wrong sign)": ("(P - Y) / P.shape[0]", "(Y - P) / P.shape[0]"),
        "divides by the number of classes c": ("(P - Y) / P.shape[0]", "(P - Y) / P.shape[1]"),
        "divides by n * c (a mean over all elements)": ("(P - Y) / P.shape[0]",
                                                        "(P - Y) / P.size"),
        "gradient with respect to P, not the logits": ("(P - Y) / P.shape[0]",
                                                       "-Y / P / P.shape[0]"),
        "multiplies by P (1 - P) as for a sigmoid": ("(P - Y) / P.shape[0]",
                                                     "(P - Y) * P * (1.0 - P) / P.shape[0]"),
        "forgot the -1 of the true class": ("(P - Y) / P.shape[0]", "P / P.shape[0]"),
        "forgot the log-sum term": ("(P - Y) / P.shape[0]", "-Y / P.shape[0]"),
        "one row: the mean over the samples": ("(P - Y) / P.shape[0]", "np.mean(P - Y, axis=0)"),
        "divides by len(P) of the wrong array, Y's columns": ("(P - Y) / P.shape[0]",
                                                             "(P - Y) / len(Y[0])"),
        "no np.asarray (lists fail)": """
def softmax_ce_backward(P, Y):
    return (P - Y) / len(P)
""",
        "sums the rows instead of the mean (divides by the row sums)": (
            "(P - Y) / P.shape[0]", "(P - Y) / P.sum(axis=1, keepdims=True)"),
    },
}
