"""Plausible wrong answers for lesson 08 (each must lose points)."""

# the two cuts of the solution, sized in whole rows (the rule the lesson states)
_WHOLE_ROWS = """    n_test = round(test_frac * len(y))
    n_val = round(val_frac * len(y))
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=n_test, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=n_val, stratify=y_rest, random_state=seed)"""

MUTANTS = {
    "train_val_test_split": {
        "not stratified": (", stratify=y, ", ", "),
        "second split not stratified": (", stratify=y_rest,", ","),
        "val_frac taken of the rest": (
            "test_size=n_val,", "test_size=round(val_frac * len(y_rest)),"),
        "returns X and y pairs in the wrong order": (
            "return X_train, X_val, X_test, y_train, y_val, y_test",
            "return X_train, y_train, X_val, y_val, X_test, y_test"),
        "validation and test swapped": (
            "return X_train, X_val, X_test, y_train, y_val, y_test",
            "return X_train, X_test, X_val, y_train, y_test, y_val"),
        "seed ignored": ("random_state=seed)", "random_state=None)"),
        "seed only in the first cut": ("stratify=y_rest, random_state=seed)",
                                       "stratify=y_rest)"),
        "unpacks train_test_split as X, y pairs": (
            "X_rest, X_test, y_rest, y_test = train_test_split(",
            "X_rest, y_rest, X_test, y_test = train_test_split("),
        "fractions swapped": (
            "n_test = round(test_frac * len(y))", "n_test = round(val_frac * len(y))"),
        "second cut stratified by the full y": (", stratify=y_rest,", ", stratify=y,"),
        "sizes truncated with int() instead of round()": ("round(", "int("),
        "fractions passed to test_size, test cut first (rounded up)": (
            _WHOLE_ROWS,
            """    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_frac, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val_frac / (1 - test_frac), stratify=y_rest,
        random_state=seed)"""),
        "fractions passed to test_size, validation cut first (rounded up)": (
            _WHOLE_ROWS,
            """    X_rest, X_val, y_rest, y_val = train_test_split(
        X, y, test_size=val_frac, stratify=y, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X_rest, y_rest, test_size=test_frac / (1 - val_frac), stratify=y_rest,
        random_state=seed)"""),
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
    "confusion_matrix": {
        "transposed (rows are the prediction)": (
            "matrix[truth, guess] = ", "matrix[guess, truth] = "),
        "FP and FN swapped": (
            "    return matrix\n",
            "    matrix[0, 1], matrix[1, 0] = matrix[1, 0], matrix[0, 1]\n    return matrix\n"),
        "class 1 first ([[tp, fn], [fp, tn]])": (
            "matrix[truth, guess] = ", "matrix[1 - truth, 1 - guess] = "),
        "rates instead of counts": ("    return matrix\n", "    return matrix / matrix.sum()\n"),
        "float counts": ("matrix = np.zeros((2, 2), dtype=int)", "matrix = np.zeros((2, 2))"),
        "flat [tn, fp, fn, tp]": ("    return matrix\n", "    return matrix.ravel()\n"),
        "TN left at 0 (only the errors and hits counted)": (
            "    return matrix\n", "    matrix[0, 0] = 0\n    return matrix\n"),
    },
    "early_stopping_epoch": {
        "off by one: waits patience + 1 epochs": (
            "if waited >= patience:", "if waited > patience:"),
        "off by one: stops after patience - 1 epochs": (
            "if waited >= patience:", "if waited >= patience - 1:"),
        "a tie counts as an improvement (<= instead of <)": (
            "if loss < best_loss:", "if loss <= best_loss:"),
        "count not reset at an improvement": (
            "best, best_loss, waited = epoch, loss, 0", "best, best_loss = epoch, loss"),
        "stopped and best swapped": ("return epoch, best", "return best, epoch"),
        "1-based epochs": ("return epoch, best\n", "return epoch + 1, best + 1\n"),
        "len(val_losses) when it never stops": (
            "return len(val_losses) - 1, best", "return len(val_losses), best"),
        "compares with the previous epoch, not the best": (
            "        else:\n            waited += 1",
            "        else:\n            best_loss = loss\n            waited += 1"),
        "the best epoch taken over the whole run": (
            "                return epoch, best",
            "                return epoch, int(np.argmin(val_losses))"),
    },
    "precision_recall_at_thresholds": {
        "p > t instead of p >= t": ("flagged = p >= t", "flagged = p > t"),
        "NaN instead of 0.0 where nothing is flagged": (
            "if np.any(flagged) else 0.0", "if np.any(flagged) else np.nan"),
        "precision and recall swapped": (
            "return precision, recall", "return recall, precision"),
        "p < t flagged": ("flagged = p >= t", "flagged = p < t"),
        "flattened output": ("return precision, recall",
                             "return precision.ravel(), recall.ravel()"),
        "precision divided by all samples": (
            "tp / np.sum(flagged) if", "tp / len(p) if"),
        "recall divided by the flagged samples": (
            "recall[i] = tp / np.sum(y == 1) if np.any(y == 1) else 0.0",
            "recall[i] = tp / np.sum(flagged) if np.any(flagged) else 0.0"),
        "NaN recall with no positives": (
            "if np.any(y == 1) else 0.0", "if np.any(y == 1) else np.nan"),
    },
}
