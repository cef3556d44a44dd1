"""backprop-tui's engine: network files, the step-by-step derivation, the stepper, training,
gradient checking and exports. Pure NumPy and the standard library; never imports Textual."""

__version__ = "0.1.0"
