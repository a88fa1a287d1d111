"""Plausible wrong answers for lesson 06 (each must lose points)."""

MUTANTS = {
    "sgd_update": {
        "updates params in place": """
def sgd_update(params, grads, lr):
    new_params = []
    for (W, b), (dW, db) in zip(params, grads, strict=True):
        W -= lr * dW
        b -= lr * db
        new_params.append((W, b))
    return new_params
""",
        "wrong sign (gradient ascent)": (
            "(W - lr * dW, b - lr * db)", "(W + lr * dW, b + lr * db)"),
        "forgot to update the bias": ("b - lr * db", "b"),
        "forgot the learning rate": ("(W - lr * dW, b - lr * db)", "(W - dW, b - db)"),
        "divides by the learning rate": ("(W - lr * dW, b - lr * db)",
                                         "(W - dW / lr, b - db / lr)"),
        "returns only the weights": ("new_params.append((W - lr * dW, b - lr * db))",
                                     "new_params.append(W - lr * dW)"),
        "returns only the last layer": ("    return new_params", "    return new_params[-1:]"),
    },
    "iterate_minibatches": {
        "returns a list instead of yielding": """
def iterate_minibatches(X, y, batch_size, rng):
    X = np.asarray(X)
    y = np.asarray(y)
    order = rng.permutation(len(X))
    batches = []
    for start in range(0, len(X), batch_size):
        index = order[start:start + batch_size]
        batches.append((X[index], y[index]))
    return batches
""",
        "no shuffling": ("order = rng.permutation(len(X))", "order = np.arange(len(X))"),
        "drops the last, smaller batch": (
            "range(0, len(X), batch_size)", "range(0, len(X) - batch_size + 1, batch_size)"),
        "samples with replacement": (
            "order = rng.permutation(len(X))", "order = rng.integers(0, len(X), len(X))"),
        "rng.choice without replace=False": (
            "order = rng.permutation(len(X))", "order = rng.choice(len(X), len(X))"),
        "uses the global np.random": (
            "order = rng.permutation(len(X))", "order = np.random.permutation(len(X))"),
        "fixed seed instead of the given rng": (
            "order = rng.permutation(len(X))",
            "order = np.random.default_rng(0).permutation(len(X))"),
        "shuffles X and y in place, separately": """
def iterate_minibatches(X, y, batch_size, rng):
    rng.shuffle(X)
    rng.shuffle(y)
    for start in range(0, len(X), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
""",
        "shuffles X and y with different permutations": """
def iterate_minibatches(X, y, batch_size, rng):
    X = np.asarray(X)[rng.permutation(len(X))]
    y = np.asarray(y)[rng.permutation(len(y))]
    for start in range(0, len(X), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
""",
        "batches one sample too short": (
            "order[start:start + batch_size]", "order[start:start + batch_size - 1]"),
        "random batches instead of a pass": """
def iterate_minibatches(X, y, batch_size, rng):
    X = np.asarray(X)
    y = np.asarray(y)
    for _ in range(int(np.ceil(len(X) / batch_size))):
        index = rng.choice(len(X), min(batch_size, len(X)), replace=False)
        yield X[index], y[index]
""",
    },
    "train_mlp": {
        "never keeps the updated params": (
            "params = sgd_update(params, grads, lr)", "sgd_update(params, grads, lr)"),
        "new rng every epoch (same order each epoch)": """
def train_mlp(X, y, layer_sizes, lr, epochs, batch_size, seed, hidden_activation="relu"):
    method = "he" if hidden_activation == "relu" else "xavier"
    params = init_mlp(layer_sizes, method=method, seed=seed)
    history = {"loss": [], "accuracy": []}
    for _epoch in range(epochs):
        rng = np.random.default_rng(seed)
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            _, cache = mlp_forward(X_batch, params, hidden_activation)
            grads = mlp_backward(y_batch, cache, params)
            params = sgd_update(params, grads, lr)
        p = mlp_forward(X, params, hidden_activation)[0][:, 0]
        history["loss"].append(binary_cross_entropy(y, p))
        history["accuracy"].append(accuracy(y, (p >= 0.5).astype(int)))
    return params, history
""",
        "records the last batch's loss, not the whole set's": (
            "p = mlp_forward(X, params, hidden_activation)[0][:, 0]\n"
            "        history[\"loss\"].append(binary_cross_entropy(y, p))",
            "p = mlp_forward(X_batch, params, hidden_activation)[0][:, 0]\n"
            "        history[\"loss\"].append(binary_cross_entropy(y_batch, p))\n"
            "        p = mlp_forward(X, params, hidden_activation)[0][:, 0]"),
        "full-batch gradient descent (ignores batch_size)": (
            "iterate_minibatches(X, y, batch_size, rng)", "[(X, y)]"),
        "accuracy of probabilities": (
            "accuracy(y, (p >= 0.5).astype(int))", "accuracy(y, p)"),
        "one epoch too few": ("range(epochs)", "range(epochs - 1)"),
        "ignores hidden_activation": (
            "mlp_forward(X_batch, params, hidden_activation)", "mlp_forward(X_batch, params)"),
        "hidden_activation left out of the evaluation forward": (
            "p = mlp_forward(X, params, hidden_activation)", "p = mlp_forward(X, params)"),
        # both mlp_forward calls: the training one on X_batch and the evaluation one on X
        "hidden_activation left out of both forwards": ("params, hidden_activation)", "params)"),
        "hidden_activation ignored everywhere (ReLU and He init for every activation)": """
def train_mlp(X, y, layer_sizes, lr, epochs, batch_size, seed, hidden_activation="relu"):
    params = init_mlp(layer_sizes, seed=seed)
    rng = np.random.default_rng(seed)
    history = {"loss": [], "accuracy": []}
    for _epoch in range(epochs):
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            _, cache = mlp_forward(X_batch, params)
            grads = mlp_backward(y_batch, cache, params)
            params = sgd_update(params, grads, lr)
        p = mlp_forward(X, params)[0][:, 0]
        history["loss"].append(binary_cross_entropy(y, p))
        history["accuracy"].append(accuracy(y, (p >= 0.5).astype(int)))
    return params, history
""",
        "ignores the seed for the weights": (
            "init_mlp(layer_sizes, method=method, seed=seed)",
            "init_mlp(layer_sizes, method=method)"),
        "He initialisation for every activation (init_mlp's default)": (
            "init_mlp(layer_sizes, method=method, seed=seed)", "init_mlp(layer_sizes, seed=seed)"),
        "Xavier initialisation for every activation": (
            'method = "he" if hidden_activation == "relu" else "xavier"', 'method = "xavier"'),
        "He and Xavier swapped (Xavier for ReLU, He for tanh)": (
            'method = "he" if hidden_activation == "relu" else "xavier"',
            'method = "xavier" if hidden_activation == "relu" else "he"'),
        "fixed learning rate": (
            "sgd_update(params, grads, lr)", "sgd_update(params, grads, 0.1)"),
        "records the loss before the epoch's updates": """
def train_mlp(X, y, layer_sizes, lr, epochs, batch_size, seed, hidden_activation="relu"):
    method = "he" if hidden_activation == "relu" else "xavier"
    params = init_mlp(layer_sizes, method=method, seed=seed)
    rng = np.random.default_rng(seed)
    history = {"loss": [], "accuracy": []}
    for _epoch in range(epochs):
        p = mlp_forward(X, params, hidden_activation)[0][:, 0]
        history["loss"].append(binary_cross_entropy(y, p))
        history["accuracy"].append(accuracy(y, (p >= 0.5).astype(int)))
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            _, cache = mlp_forward(X_batch, params, hidden_activation)
            grads = mlp_backward(y_batch, cache, params)
            params = sgd_update(params, grads, lr)
    return params, history
""",
    },
    "momentum_update": {
        "steps with the old velocity (order wrong)": """
def momentum_update(params, grads, velocity, lr, beta=0.9):
    new_params, new_velocity = [], []
    for (W, b), (dW, db), (vW, vb) in zip(params, grads, velocity, strict=True):
        new_params.append((W - lr * vW, b - lr * vb))
        new_velocity.append((beta * vW + dW, beta * vb + db))
    return new_params, new_velocity
""",
        "averaging form (1 - beta) * g": (
            "vW = beta * vW + dW\n        vb = beta * vb + db",
            "vW = beta * vW + (1 - beta) * dW\n        vb = beta * vb + (1 - beta) * db"),
        "updates the velocity in place": """
def momentum_update(params, grads, velocity, lr, beta=0.9):
    new_params, new_velocity = [], []
    for (W, b), (dW, db), (vW, vb) in zip(params, grads, velocity, strict=True):
        vW *= beta
        vW += dW
        vb *= beta
        vb += db
        new_velocity.append((vW, vb))
        new_params.append((W - lr * vW, b - lr * vb))
    return new_params, new_velocity
""",
        "wrong sign": ("(W - lr * vW, b - lr * vb)", "(W + lr * vW, b + lr * vb)"),
        "learning rate inside the velocity": """
def momentum_update(params, grads, velocity, lr, beta=0.9):
    new_params, new_velocity = [], []
    for (W, b), (dW, db), (vW, vb) in zip(params, grads, velocity, strict=True):
        vW = beta * vW + lr * dW
        vb = beta * vb + lr * db
        new_velocity.append((vW, vb))
        new_params.append((W - vW, b - vb))
    return new_params, new_velocity
""",
        "ignores beta (always 0.9)": (
            "vW = beta * vW + dW\n        vb = beta * vb + db",
            "vW = 0.9 * vW + dW\n        vb = 0.9 * vb + db"),
        "bias has no momentum": ("vb = beta * vb + db", "vb = db"),
        "returns only params": ("return new_params, new_velocity", "return new_params"),
    },
    "adam_update": {
        "no bias correction": (
            "m_hat = m / (1 - beta1**t)\n            v_hat = v / (1 - beta2**t)",
            "m_hat = m\n            v_hat = v"),
        "bias correction only for m": ("v_hat = v / (1 - beta2**t)", "v_hat = v"),
        "eps inside the square root": ("np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)"),
        "t not incremented before the correction": (
            't = state["t"] + 1', 't = state["t"]'),
        "t never grows (always 1)": ('t = state["t"] + 1', "t = 1"),
        "beta1 used for v": ("v = beta2 * v + (1 - beta2) * g**2",
                             "v = beta1 * v + (1 - beta1) * g**2"),
        "g instead of g squared in v": ("(1 - beta2) * g**2", "(1 - beta2) * np.abs(g)"),
        "no square root": ("np.sqrt(v_hat) + eps", "v_hat + eps"),
        "wrong sign": ("p - lr * m_hat", "p + lr * m_hat"),
        "fills in the given state dict": (
            '    return new_params, {"t": t, "m": new_m, "v": new_v}',
            '    state.update({"t": t, "m": new_m, "v": new_v})\n'
            '    return new_params, state'),
        "m without (1 - beta1)": ("m = beta1 * m + (1 - beta1) * g", "m = beta1 * m + g"),
        "the new state keeps the old m and v": (
            '{"t": t, "m": new_m, "v": new_v}', '{"t": t, "m": state["m"], "v": state["v"]}'),
        "an empty state counted as one step already": (
            'state = {"t": 0, "m": zeros, "v": zeros}', 'state = {"t": 1, "m": zeros, "v": zeros}'),
        "the bias updated by plain SGD (no m and v for it)": """
def adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    if not state:
        zeros = [(np.zeros_like(W, dtype=float), np.zeros_like(b, dtype=float)) for W, b in params]
        state = {"t": 0, "m": zeros, "v": zeros}
    t = state["t"] + 1
    new_params, new_m, new_v = [], [], []
    for (W, b), (dW, db), (mW, mb), (vW, vb) in zip(params, grads, state["m"], state["v"],
                                                    strict=True):
        mW = beta1 * mW + (1 - beta1) * dW
        vW = beta2 * vW + (1 - beta2) * dW**2
        m_hat = mW / (1 - beta1**t)
        v_hat = vW / (1 - beta2**t)
        new_params.append((W - lr * m_hat / (np.sqrt(v_hat) + eps), b - lr * db))
        new_m.append((mW, mb))
        new_v.append((vW, vb))
    return new_params, {"t": t, "m": new_m, "v": new_v}
""",
        "writes the new m and v into the given state's lists": """
def adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    if not state:
        state = {"t": 0,
                 "m": [(np.zeros_like(W, dtype=float), np.zeros_like(b, dtype=float))
                       for W, b in params],
                 "v": [(np.zeros_like(W, dtype=float), np.zeros_like(b, dtype=float))
                       for W, b in params]}
    t = state["t"] + 1
    m_list, v_list = state["m"], state["v"]
    new_params = []
    for layer in range(len(params)):
        layer_p, layer_m, layer_v = [], [], []
        arrays = (params[layer], grads[layer], m_list[layer], v_list[layer])
        for p, g, m, v in zip(*arrays, strict=True):
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g**2
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            layer_p.append(p - lr * m_hat / (np.sqrt(v_hat) + eps))
            layer_m.append(m)
            layer_v.append(v)
        new_params.append(tuple(layer_p))
        m_list[layer] = tuple(layer_m)
        v_list[layer] = tuple(layer_v)
    return new_params, {"t": t, "m": m_list, "v": v_list}
""",
    },
}
