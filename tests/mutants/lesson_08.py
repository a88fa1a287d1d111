"""Plausible wrong answers for lesson 08 (each must lose points)."""

MUTANTS = {
    "train_val_test_split": {
        "not stratified": (", stratify=y, ", ", "),
        "second split not stratified": (", stratify=y_rest,", ","),
        "val_frac taken of the rest": (
            "test_size=val_frac / (1 - test_frac)", "test_size=val_frac"),
        "returns X and y pairs in the wrong order": (
            "return X_train, X_val, X_test, y_train, y_val, y_test",
            "return X_train, y_train, X_val, y_val, X_test, y_test"),
        "validation and test swapped": (
            "return X_train, X_val, X_test, y_train, y_val, y_test",
            "return X_train, X_test, X_val, y_train, y_test, y_val"),
        "seed ignored": ("random_state=seed)", "random_state=None)"),
        "unpacks train_test_split as X, y pairs": (
            "X_rest, X_test, y_rest, y_test = train_test_split(",
            "X_rest, y_rest, X_test, y_test = train_test_split("),
        "fractions swapped": (
            "test_size=test_frac, stratify=y", "test_size=val_frac, stratify=y"),
    },
    "precision_recall_f1": {
        "precision and recall swapped": (
            "return float(precision), float(recall), float(f1)",
            "return float(recall), float(precision), float(f1)"),
        "F1 as the arithmetic mean": (
            "f1 = 2 * precision * recall / (precision + recall)",
            "f1 = (precision + recall) / 2"),
        "NaN where undefined": (
            "precision = tp / (tp + fp) if tp + fp > 0 else 0.0",
            "precision = tp / (tp + fp) if tp + fp > 0 else float('nan')"),
        "class 0 treated as positive": (
            "y_true = np.asarray(y_true).ravel()\n    y_pred = np.asarray(y_pred).ravel()",
            "y_true = 1 - np.asarray(y_true).ravel()\n    y_pred = 1 - np.asarray(y_pred).ravel()"),
        "FP and FN mixed up": (
            "fp = np.sum((y_pred == 1) & (y_true == 0))",
            "fp = np.sum((y_pred == 0) & (y_true == 1))"),
        "accuracy instead of precision": (
            "precision = tp / (tp + fp) if tp + fp > 0 else 0.0",
            "precision = float(np.mean(y_true == y_pred))"),
        "F1 without the factor 2": (
            "f1 = 2 * precision * recall", "f1 = precision * recall"),
    },
    "l2_penalty": {
        "biases included": (
            "np.sum(np.asarray(W, dtype=float) ** 2) for W, _ in params",
            "np.sum(np.asarray(W, dtype=float) ** 2) + np.sum(np.asarray(b) ** 2) "
            "for W, b in params"),
        "lam forgotten": ("float(lam * sum(", "float(1.0 * sum("),
        "half the penalty (the 1/2 convention)": ("float(lam * sum(", "float(lam / 2 * sum("),
        "norm instead of squared norm": (
            "np.sum(np.asarray(W, dtype=float) ** 2)",
            "np.sqrt(np.sum(np.asarray(W, dtype=float) ** 2))"),
        "only the first layer": ("for W, _ in params)", "for W, _ in params[:1])"),
        "mean instead of sum": (
            "np.sum(np.asarray(W, dtype=float) ** 2)", "np.mean(np.asarray(W, dtype=float) ** 2)"),
        "L1 instead of L2": (
            "np.sum(np.asarray(W, dtype=float) ** 2)",
            "np.sum(np.abs(np.asarray(W, dtype=float)))"),
    },
    "dropout_forward": {
        "not inverted (no rescaling)": ("return A * keep / (1.0 - rate)", "return A * keep"),
        "dropout applied when training=False": (
            "if not training or rate == 0:", "if rate == 0:"),
        "scaled by 1/rate": ("/ (1.0 - rate)", "/ rate"),
        "keeps with probability rate": (
            "keep = rng.random(A.shape) >= rate", "keep = rng.random(A.shape) < rate"),
        "ignores rng (global numpy random)": (
            "keep = rng.random(A.shape) >= rate", "keep = np.random.random(A.shape) >= rate"),
        "one mask value per row": (
            "keep = rng.random(A.shape) >= rate",
            "keep = rng.random((A.shape[0], 1)) >= rate"),
        "modifies A in place": ("""    A = np.asarray(A, dtype=float)
    if not training or rate == 0:
        return A
    keep = rng.random(A.shape) >= rate
    return A * keep / (1.0 - rate)""", """    if not training or rate == 0:
        return A
    keep = rng.random(A.shape) >= rate
    A *= keep / (1.0 - rate)
    return A"""),
        "returns the mask too": (
            "return A * keep / (1.0 - rate)", "return A * keep / (1.0 - rate), keep"),
    },
    "build_regularized_classifier": {
        "no L2 on the output layer": (
            """    layers.append(keras.layers.Dense(1, activation="sigmoid",
                                     kernel_regularizer=keras.regularizers.L2(l2)))""",
            """    layers.append(keras.layers.Dense(1, activation="sigmoid"))"""),
        "L2 on the biases instead of the kernels": (
            "kernel_regularizer=keras.regularizers.L2(l2)))\n        if",
            "bias_regularizer=keras.regularizers.L2(l2)))\n        if"),
        "L2 on the biases too": (
            "kernel_regularizer=keras.regularizers.L2(l2)))",
            "kernel_regularizer=keras.regularizers.L2(l2),\n"
            + " " * 41 + "bias_regularizer=keras.regularizers.L2(l2)))"),
        "L2 on the output bias too": (
            'activation="sigmoid",\n                                     kernel_regularizer='
            'keras.regularizers.L2(l2)))',
            'activation="sigmoid", bias_regularizer=keras.regularizers.L2(l2),\n'
            '                                     kernel_regularizer=keras.regularizers.L2(l2)))'),
        "L1 instead of L2": (
            "kernel_regularizer=keras.regularizers.L2(l2)))\n        if",
            "kernel_regularizer=keras.regularizers.L1(l2)))\n        if"),
        "dropout before the hidden layer": (
            """        layers.append(keras.layers.Dense(units, activation="relu",
                                         kernel_regularizer=keras.regularizers.L2(l2)))
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout))""",
            """        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout))
        layers.append(keras.layers.Dense(units, activation="relu",
                                         kernel_regularizer=keras.regularizers.L2(l2)))"""),
        "dropout after the output": (
            """    return keras.Sequential(layers)""",
            """    if dropout > 0:
        layers.append(keras.layers.Dropout(dropout))
    return keras.Sequential(layers)"""),
        "keep probability passed as the rate": (
            "keras.layers.Dropout(dropout)", "keras.layers.Dropout(1 - dropout)"),
        "l2 strength hard-coded": (
            "kernel_regularizer=keras.regularizers.L2(l2)))\n        if",
            "kernel_regularizer=keras.regularizers.L2(0.01)))\n        if"),
        "no relu in the hidden layers": (
            'keras.layers.Dense(units, activation="relu",', "keras.layers.Dense(units,"),
        "only handles a list": (
            "    if isinstance(hidden_units, int):\n        hidden_units = [hidden_units]\n", ""),
        "dropout ignored": (
            "        if dropout > 0:\n            layers.append(keras.layers.Dropout(dropout))\n",
            ""),
    },
    "best_epoch": {
        "argmax for a loss": ("return int(np.argmin(values))", "return int(np.argmax(values))"),
        "1-based epoch": ("return int(np.argmin(values))", "return int(np.argmin(values)) + 1"),
        "metric argument ignored": (
            'values = np.asarray(history[metric], dtype=float)',
            'values = np.asarray(history["val_loss"], dtype=float)'),
        "always the minimum": (
            '    if "acc" in metric:\n        return int(np.argmax(values))\n', ""),
        "last epoch on a tie": (
            "return int(np.argmin(values))",
            "return int(len(values) - 1 - np.argmin(values[::-1]))"),
        "returns the best value, not the epoch": (
            "return int(np.argmin(values))", "return float(values.min())"),
        "only 'accuracy' exactly counts as higher-is-better": (
            'if "acc" in metric:', 'if metric in ("accuracy", "val_accuracy"):'),
    },
}
