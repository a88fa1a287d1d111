"""Plausible wrong answers for lesson 07 (each must lose points)."""

MUTANTS = {
    "build_classifier": {
        "two softmax units for two classes": (
            'layers.append(keras.layers.Dense(1, activation="sigmoid"))',
            'layers.append(keras.layers.Dense(2, activation="softmax"))'),
        "sigmoid output for many classes": (
            'keras.layers.Dense(n_classes, activation="softmax")',
            'keras.layers.Dense(n_classes, activation="sigmoid")'),
        "no output activation": (
            'keras.layers.Dense(1, activation="sigmoid")', "keras.layers.Dense(1)"),
        "hidden activation hard-coded to relu": (
            "keras.layers.Dense(units, activation=activation)",
            'keras.layers.Dense(units, activation="relu")'),
        "output uses the hidden activation": (
            'keras.layers.Dense(1, activation="sigmoid")',
            "keras.layers.Dense(1, activation=activation)"),
        "an int hidden_units is not turned into a list": (
            "    if isinstance(hidden_units, int):\n        hidden_units = [hidden_units]\n", ""),
        "only the first hidden layer of a list": (
            "for units in hidden_units:", "for units in hidden_units[:1]:"),
        "no keras.Input (model not built)": (
            "layers = [keras.Input(shape=(n_features,))]", "layers = []"),
        "input size hard-coded": (
            "keras.Input(shape=(n_features,))", "keras.Input(shape=(14,))"),
    },
    "compile_classifier": {
        "forgets the learning rate": (
            "keras.optimizers.Adam(learning_rate=lr)", "keras.optimizers.Adam()"),
        "SGD instead of Adam": (
            "keras.optimizers.Adam(learning_rate=lr)", "keras.optimizers.SGD(learning_rate=lr)"),
        "binary cross-entropy for a softmax too": (
            'loss = "categorical_crossentropy"', 'loss = "binary_crossentropy"'),
        "categorical cross-entropy for one sigmoid unit": (
            'loss = "binary_crossentropy"', 'loss = "categorical_crossentropy"'),
        "sparse categorical loss with one-hot labels": (
            'loss = "categorical_crossentropy"', 'loss = "sparse_categorical_crossentropy"'),
        "mean squared error": (
            'loss = "binary_crossentropy"', 'loss = "mse"'),
        "no accuracy metric": (
            ',\n                  metrics=["accuracy"])', ")"),
        "forgets to return the model": ("    return model\n", ""),
    },
    "fit_classifier": {
        "progress bar left on": ("verbose=0", "verbose=1"),
        "no validation data": ("validation_data=(X_val, y_val), ", ""),
        "validates on the training data": (
            "validation_data=(X_val, y_val)", "validation_data=(X_train, y_train)"),
        "batch size ignored": ("batch_size=batch_size, ", ""),
        "one epoch too few": ("epochs=epochs,", "epochs=epochs - 1,"),
        "returns the dict, not the History": (
            "batch_size=batch_size, verbose=0)", "batch_size=batch_size, verbose=0).history"),
        "validation_split instead of the validation set": (
            "validation_data=(X_val, y_val)", "validation_split=0.2"),
    },
    "load_numpy_weights": {
        "transposed weights": ("np.asarray(W), np.asarray(b)", "np.asarray(W).T, np.asarray(b)"),
        "bias and kernel swapped": (
            "[np.asarray(W), np.asarray(b)]", "[np.asarray(b), np.asarray(W)]"),
        "biases left at zero": ("np.asarray(b)]", "np.zeros_like(np.asarray(b))]"),
        "only the first layer": ("zip(dense, params, strict=True)", "zip(dense[:1], params[:1])"),
        "layers in reverse order": (
            "zip(dense, params, strict=True)", "zip(dense, params[::-1], strict=True)"),
        "no check of the number of layers": """
def load_numpy_weights(model, params):
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for layer, (W, b) in zip(dense, params):
        layer.set_weights([np.asarray(W), np.asarray(b)])
    return model
""",
        "forgets to return the model": ("    return model\n", ""),
        "a TypeError instead of a ValueError": ("raise ValueError", "raise TypeError"),
        "a mismatch caught in one direction only": (
            "if len(dense) != len(params):", "if len(params) > len(dense):"),
    },
}
