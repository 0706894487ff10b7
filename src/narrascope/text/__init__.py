"""Text for matching: normalisation with offsets back to the original, tokens, script detection."""
