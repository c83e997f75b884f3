"""TENSOR_INPUT: the model rewired on ``Input(tensor=x)`` with ``compile(target_tensors=[y])``."""
from tfcompat.paths.base import FeedingPath, Path, need


class TensorInput(Path):
    name = FeedingPath.TENSOR_INPUT
    summary = "model rewired on Input(tensor=...) + compile(target_tensors=...), graph mode"

    def _refuses(self, runtime):
        return need("target_tensors", runtime)
