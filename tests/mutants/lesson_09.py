"""Plausible wrong answers for lesson 09 (each must lose points)."""

MUTANTS = {
    "gradient_norms": {
        "squared norm (forgot the square root)": (
            "np.sqrt(np.sum(np.square(dW)))", "np.sum(np.square(dW))"),
        "spectral norm np.linalg.norm(dW, 2)": (
            "np.sqrt(np.sum(np.square(dW)))", "np.linalg.norm(dW, 2)"),
        "includes the bias gradient": (
            "np.sqrt(np.sum(np.square(dW))) for dW, _ in grads",
            "np.sqrt(np.sum(np.square(dW)) + np.sum(np.square(db))) for dW, db in grads"),
        "norm of db instead of dW": (
            "np.sqrt(np.sum(np.square(dW))) for dW, _ in grads",
            "np.sqrt(np.sum(np.square(db))) for _, db in grads"),
        "root mean square instead of norm": (
            "np.sqrt(np.sum(np.square(dW)))", "np.sqrt(np.mean(np.square(dW)))"),
        "largest absolute entry": ("np.sqrt(np.sum(np.square(dW)))", "np.max(np.abs(dW))"),
        "layers in reverse order (last layer first)": (
            "for dW, _ in grads]", "for dW, _ in grads[::-1]]"),
        "a Python list instead of a numpy array": (
            "return np.array([np.sqrt(np.sum(np.square(dW))) for dW, _ in grads], dtype=float)",
            "return [float(np.sqrt(np.sum(np.square(dW)))) for dW, _ in grads]"),
        "one global number instead of one per layer": (
            "return np.array([np.sqrt(np.sum(np.square(dW))) for dW, _ in grads], dtype=float)",
            "return float(np.sqrt(sum(np.sum(np.square(dW)) for dW, _ in grads)))"),
    },
    "clip_by_global_norm": {
        "norm of the weights only": (
            "for pair in grads for a in pair", "for a, _ in grads"),
        "clips each array separately": ("""
def clip_by_global_norm(grads, max_norm):
    clipped = []
    total = 0.0
    for dW, db in grads:
        total += np.sum(dW ** 2) + np.sum(db ** 2)
        nW, nb = np.linalg.norm(dW), np.linalg.norm(db)
        clipped.append((dW * max_norm / max(nW, max_norm), db * max_norm / max(nb, max_norm)))
    return clipped, float(np.sqrt(total))
"""),
        "clips each layer separately": ("""
def clip_by_global_norm(grads, max_norm):
    clipped = []
    total = 0.0
    for dW, db in grads:
        layer = np.sqrt(np.sum(dW ** 2) + np.sum(db ** 2))
        total += layer ** 2
        scale = max_norm / max(layer, max_norm)
        clipped.append((dW * scale, db * scale))
    return clipped, float(np.sqrt(total))
"""),
        "always rescales to max_norm": (
            "scale = max_norm / max(global_norm, max_norm)", "scale = max_norm / global_norm"),
        "clips values element-wise": (
            "clipped = [(dW * scale, db * scale) for dW, db in grads]",
            "clipped = [(np.clip(dW, -max_norm, max_norm), np.clip(db, -max_norm, max_norm))"
            " for dW, db in grads]"),
        "returns the norm after clipping": (
            "return clipped, global_norm", "return clipped, min(global_norm, max_norm)"),
        "forgot the square root": (
            "float(np.sqrt(sum(np.sum(np.square(a)) for pair in grads for a in pair)))",
            "float(sum(np.sum(np.square(a)) for pair in grads for a in pair))"),
        "modifies the gradients in place": (
            "clipped = [(dW * scale, db * scale) for dW, db in grads]",
            "for dW, db in grads:\n        dW *= scale\n        db *= scale\n"
            "    clipped = grads"),
        "returns the pair in the wrong order (global_norm, clipped_grads)": (
            "return clipped, global_norm", "return global_norm, clipped"),
        "returns the list it was given when nothing needs clipping": (
            "    return clipped, global_norm",
            "    if global_norm <= max_norm:\n        return grads, global_norm\n"
            "    return clipped, global_norm"),
        "divides by the norm without a guard (0/0 for zero gradients)": (
            "scale = max_norm / max(global_norm, max_norm)",
            "scale = min(1.0, max_norm / global_norm)"),
    },
    "batchnorm_forward": {
        "variance with ddof=1": ("var = X.var(axis=0)", "var = X.var(axis=0, ddof=1)"),
        "eps outside the square root": (
            "np.sqrt(var + eps)", "(np.sqrt(var) + eps)"),
        "forgot gamma and beta": ("return gamma * X_hat + beta", "return X_hat"),
        "forgot beta": ("return gamma * X_hat + beta", "return gamma * X_hat"),
        "normalizes each row instead of each column": (
            "mean = X.mean(axis=0)\n    var = X.var(axis=0)",
            "mean = X.mean(axis=1, keepdims=True)\n    var = X.var(axis=1, keepdims=True)"),
        "divides by the variance, not the standard deviation": (
            "np.sqrt(var + eps)", "(var + eps)"),
        "forgot eps": ("np.sqrt(var + eps)", "np.sqrt(var)"),
        "ignores the eps argument": ("np.sqrt(var + eps)", "np.sqrt(var + 1e-5)"),
        "ignores the eps argument (a fixed 1e-3, Keras' default)": (
            "np.sqrt(var + eps)", "np.sqrt(var + 1e-3)"),
        "beta scaled by gamma": ("return gamma * X_hat + beta", "return gamma * (X_hat + beta)"),
        "one mean and variance for the whole batch": (
            "mean = X.mean(axis=0)\n    var = X.var(axis=0)", "mean = X.mean()\n    var = X.var()"),
    },
    "exponential_decay": {
        "staircase with integer division": (
            "np.asarray(step, dtype=float) / decay_steps", "np.asarray(step) // decay_steps"),
        "staircase with floor": (
            "np.asarray(step, dtype=float) / decay_steps",
            "np.floor(np.asarray(step, dtype=float) / decay_steps)"),
        "operator precedence: decay_rate ** step / decay_steps": (
            "lr0 * decay_rate ** (np.asarray(step, dtype=float) / decay_steps)",
            "lr0 * decay_rate ** np.asarray(step, dtype=float) / decay_steps"),
        "exp(-rate * t / T) instead of rate ** (t / T)": (
            "lr0 * decay_rate ** (np.asarray(step, dtype=float) / decay_steps)",
            "lr0 * np.exp(-decay_rate * np.asarray(step, dtype=float) / decay_steps)"),
        "exponent inverted: decay_steps / step": (
            "np.asarray(step, dtype=float) / decay_steps",
            "decay_steps / np.maximum(np.asarray(step, dtype=float), 1)"),
        "linear decay": (
            "lr0 * decay_rate ** (np.asarray(step, dtype=float) / decay_steps)",
            "lr0 * (1 - (1 - decay_rate) * np.asarray(step, dtype=float) / decay_steps)"),
        "decays by decay_rate at every step (forgot decay_steps)": (
            "(np.asarray(step, dtype=float) / decay_steps)", "np.asarray(step, dtype=float)"),
        "forgot lr0": (
            "lr0 * decay_rate ** (np.asarray(step, dtype=float) / decay_steps)",
            "decay_rate ** (np.asarray(step, dtype=float) / decay_steps)"),
    },
}
