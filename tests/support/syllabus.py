"""The exercise contract of shared/SYLLABUS.md: lesson folders and the functions each grades."""

CONTRACT: dict[str, list[str]] = {
    "00_welcome": ["standardize"],
    "01_neuron": ["weighted_sum", "neuron_output", "neuron_predict"],
    "02_activations": ["sigmoid", "relu", "leaky_relu", "softmax", "sigmoid_grad", "relu_grad",
                       "collapse_linear"],
    "03_forward_pass": ["dense_forward", "init_dense", "init_mlp", "mlp_forward"],
    "04_loss": ["mse", "binary_cross_entropy", "categorical_cross_entropy", "accuracy"],
    "05_backprop": ["dense_backward", "relu_backward", "sigmoid_bce_backward", "mlp_backward",
                    "numerical_gradient", "relative_error", "softmax_ce_backward"],
    "06_gradient_descent": ["sgd_update", "iterate_minibatches", "train_mlp", "momentum_update",
                            "adam_update"],
    "07_keras": ["build_classifier", "compile_classifier", "fit_classifier",
                 "load_numpy_weights"],
    "08_generalization": ["train_val_test_split", "precision_recall_f1", "l2_penalty",
                          "dropout_forward", "build_regularized_classifier", "best_epoch",
                          "confusion_matrix", "precision_recall_at_thresholds",
                          "early_stopping_epoch"],
    "09_training_pitfalls": ["gradient_norms", "clip_by_global_norm", "batchnorm_forward",
                             "exponential_decay"],
    "10_architectures": ["conv2d", "max_pool2d", "build_cnn", "reconstruction_errors",
                         "conv_output_size", "rnn_step", "rnn_forward"],
}
