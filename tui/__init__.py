"""backprop-tui's terminal app and command line. Importing this package does not import
Textual: only tui.app does, when the app opens."""
