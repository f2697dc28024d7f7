"""The pipelines that drive the product: compare and find, in rooms: results, inputs, English, outputs."""
