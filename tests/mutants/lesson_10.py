"""Plausible wrong answers for lesson 10 (each must lose points)."""

MUTANTS = {
    "conv2d": {
        "flips the kernel (true convolution)": (
            "image[i:i + kh, j:j + kw] * kernel", "image[i:i + kh, j:j + kw] * kernel[::-1, ::-1]"),
        "'same' zero padding (output as large as the input)": ("""
def conv2d(image, kernel):
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
    out = np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out
"""),
        "off by one: misses the last row and column": (
            "out_h = image.shape[0] - kh + 1\n    out_w = image.shape[1] - kw + 1",
            "out_h = image.shape[0] - kh\n    out_w = image.shape[1] - kw"),
        "transposed kernel": (
            "image[i:i + kh, j:j + kw] * kernel", "image[i:i + kh, j:j + kw] * kernel.T"),
        "assumes a square kernel": ("kh, kw = kernel.shape", "kh = kw = kernel.shape[0]"),
        "mean instead of sum": (
            "np.sum(image[i:i + kh, j:j + kw] * kernel)",
            "np.mean(image[i:i + kh, j:j + kw] * kernel)"),
        "integer output array for an integer image": ("""
def conv2d(image, kernel):
    image = np.asarray(image)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=image.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
"""),
        "windows jump by the kernel size (stride kh, kw)": ("""
def conv2d(image, kernel):
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = image[i * kh:i * kh + kh, j * kw:j * kw + kw]
            if window.shape == kernel.shape:
                out[i, j] = np.sum(window * kernel)
    return out
"""),
    },
    "max_pool2d": {
        "mean pooling": (".max(axis=(1, 3))", ".mean(axis=(1, 3))"),
        "overlapping windows (stride 1)": ("""
def max_pool2d(X, size):
    X = np.asarray(X, dtype=float)
    rows, cols = X.shape[0] - size + 1, X.shape[1] - size + 1
    return np.array([[X[i:i + size, j:j + size].max() for j in range(cols)]
                     for i in range(rows)])
"""),
        "keeps partial windows at the edges": ("""
def max_pool2d(X, size):
    X = np.asarray(X, dtype=float)
    rows, cols = -(-X.shape[0] // size), -(-X.shape[1] // size)
    return np.array([[X[i * size:(i + 1) * size, j * size:(j + 1) * size].max()
                      for j in range(cols)] for i in range(rows)])
"""),
        "wrong reshape order": (
            "trimmed.reshape(rows, size, cols, size).max(axis=(1, 3))",
            "trimmed.reshape(rows, cols, size, size).max(axis=(2, 3))"),
        "ignores size (always 2)": (
            "rows, cols = X.shape[0] // size, X.shape[1] // size",
            "size = 2\n    rows, cols = X.shape[0] // size, X.shape[1] // size"),
        "pools rows only": (
            ".max(axis=(1, 3))", ".max(axis=1)[:, :, 0]"),
        "right reshape, maximum over the wrong axes (2, 3)": (
            ".max(axis=(1, 3))", ".max(axis=(2, 3))"),
        "no float conversion (integer output for an integer input)": (
            "X = np.asarray(X, dtype=float)", "X = np.asarray(X)"),
        "max of absolute values": (
            "trimmed.reshape(rows, size, cols, size).max(axis=(1, 3))",
            "np.abs(trimmed).reshape(rows, size, cols, size).max(axis=(1, 3))"),
    },
    "build_cnn": {
        "no convolution (dense only)": (
            "        keras.layers.Conv2D(16, 3, activation=\"relu\"),\n"
            "        keras.layers.MaxPooling2D(2),\n", ""),
        "hard-coded 10 classes": (
            "keras.layers.Dense(n_classes, activation=\"softmax\")",
            "keras.layers.Dense(10, activation=\"softmax\")"),
        "no softmax (raw scores)": (
            "keras.layers.Dense(n_classes, activation=\"softmax\")",
            "keras.layers.Dense(n_classes)"),
        "sigmoid output": (
            "keras.layers.Dense(n_classes, activation=\"softmax\")",
            "keras.layers.Dense(n_classes, activation=\"sigmoid\")"),
        "ignores input_shape": (
            "keras.Input(shape=input_shape)", "keras.Input(shape=(8, 8, 1))"),
        "forgot Flatten": ("        keras.layers.Flatten(),\n", ""),
        "input_shape passed to the layer (Keras warns)": (
            "        keras.Input(shape=input_shape),\n"
            "        keras.layers.Conv2D(16, 3, activation=\"relu\"),\n",
            "        keras.layers.Conv2D(16, 3, activation=\"relu\", input_shape=input_shape),\n"),
        "ReLU output": (
            "keras.layers.Dense(n_classes, activation=\"softmax\")",
            "keras.layers.Dense(n_classes, activation=\"relu\")"),
        "kernels initialised to zeros (they never learn)": (
            "keras.layers.Conv2D(16, 3, activation=\"relu\")",
            "keras.layers.Conv2D(16, 3, activation=\"relu\", kernel_initializer=\"zeros\")"),
    },
    "reconstruction_errors": {
        "mean over samples (one error per feature)": (
            ".reshape(len(X), -1).mean(axis=1)", ".reshape(len(X), -1).mean(axis=0)"),
        "one number for the whole batch": (
            ".reshape(len(X), -1).mean(axis=1)", ".mean()"),
        "sum instead of mean": (
            ".reshape(len(X), -1).mean(axis=1)", ".reshape(len(X), -1).sum(axis=1)"),
        "absolute error": ("((X - X_hat) ** 2)", "np.abs(X - X_hat)"),
        "root mean squared error": (
            "return ((X - X_hat) ** 2).reshape(len(X), -1).mean(axis=1)",
            "return np.sqrt(((X - X_hat) ** 2).reshape(len(X), -1).mean(axis=1))"),
        "square of the mean difference": (
            "return ((X - X_hat) ** 2).reshape(len(X), -1).mean(axis=1)",
            "return (X - X_hat).reshape(len(X), -1).mean(axis=1) ** 2"),
        "axis=1 only (breaks on images)": (
            "return ((X - X_hat) ** 2).reshape(len(X), -1).mean(axis=1)",
            "return ((X - X_hat) ** 2).mean(axis=1)"),
        "averages over the last axis only (axis=-1)": (
            "return ((X - X_hat) ** 2).reshape(len(X), -1).mean(axis=1)",
            "return ((X - X_hat) ** 2).mean(axis=-1)"),
        "calls model(X) instead of model.predict": (
            "model.predict(X, verbose=0)", "model(X)"),
    },
}

MUTANTS["conv_output_size"] = {
    "forgets the padding": (
        "return (n + 2 * padding - k) // stride + 1", "return (n - k) // stride + 1"),
    "pads one side only": (
        "return (n + 2 * padding - k) // stride + 1", "return (n + padding - k) // stride + 1"),
    "true division (a float)": (
        "return (n + 2 * padding - k) // stride + 1", "return (n + 2 * padding - k) / stride + 1"),
    "forgets the + 1": (
        "return (n + 2 * padding - k) // stride + 1", "return (n + 2 * padding - k) // stride"),
    "adds the 1 before dividing": (
        "return (n + 2 * padding - k) // stride + 1", "return (n + 2 * padding - k + 1) // stride"),
    "rounds up instead of down": (
        "return (n + 2 * padding - k) // stride + 1",
        "return -(-(n + 2 * padding - k) // stride) + 1"),
    "no ValueError when the kernel does not fit": (
        "    if k > n + 2 * padding:\n", "    if False:\n"),
    "refuses a kernel that fits exactly (>= instead of >)": (
        "if k > n + 2 * padding:", "if k >= n + 2 * padding:"),
    "checks the fit without the padding": ("if k > n + 2 * padding:", "if k > n:"),
}

MUTANTS["rnn_step"] = {
    "sigmoid instead of tanh": ("""
def rnn_step(x_t, h_prev, Wx, Wh, b):
    return 1 / (1 + np.exp(-(np.asarray(x_t, dtype=float) @ Wx + np.asarray(h_prev) @ Wh + b)))
"""),
    "no tanh (linear)": ("return np.tanh(", "return ("),
    "forgets the bias": (" @ Wh + b)", " @ Wh)"),
    "forgets the previous state": (" + np.asarray(h_prev, dtype=float) @ Wh + b)", " + b)"),
    "Wx and Wh swapped": (
        "np.asarray(x_t, dtype=float) @ Wx + np.asarray(h_prev, dtype=float) @ Wh",
        "np.asarray(x_t, dtype=float) @ Wh + np.asarray(h_prev, dtype=float) @ Wx"),
    "ReLU instead of tanh": ("return np.tanh(", "return np.maximum(0.0, "),
    "recurrent weights transposed": ("@ Wh + b", "@ Wh.T + b"),
}

MUTANTS["rnn_forward"] = {
    "returns only the last state": ("return np.stack(states, axis=1)", "return h"),
    "the state is not carried (h0 at every step)": (
        "h = rnn_step(X[:, t], h, Wx, Wh, b)\n        states.append(h)",
        "states.append(rnn_step(X[:, t], h, Wx, Wh, b))"),
    "stacks time first, (T, n, H)": (
        "return np.stack(states, axis=1)", "return np.stack(states)"),
    "ignores h0 (starts from zeros)": (
        "h = np.asarray(h0, dtype=float)", "h = np.zeros_like(np.asarray(h0, dtype=float))"),
    "returns h0 .. h_{T-1} (the state before each step)": (
        "h = rnn_step(X[:, t], h, Wx, Wh, b)\n        states.append(h)",
        "states.append(h)\n        h = rnn_step(X[:, t], h, Wx, Wh, b)"),
    "reads the steps in reverse order": ("X[:, t]", "X[:, -1 - t]"),
    "reads X[t] (a sample) instead of X[:, t] (a step)": (
        "for t in range(X.shape[1]):\n        h = rnn_step(X[:, t], h, Wx, Wh, b)",
        "for t in range(X.shape[1]):\n        h = rnn_step(X[t], h, Wx, Wh, b)"),
    "returns h0 as well: T + 1 states, (n, T + 1, H)": ("states = []", "states = [h]"),
}
