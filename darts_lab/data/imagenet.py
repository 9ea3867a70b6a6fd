"""ILSVRC-2012 (`dataset=imagenet`) in the standard layout `data_dir/train/<wnid>/*.JPEG` and
`data_dir/val/<wnid>/*.JPEG` (the validation images sorted into class folders, e.g. with
soumith's valprep.sh). DARTS's / PC-DARTS's ImageNet augmentation: random resized crop, flip and,
for retraining, colour jitter 0.4/0.4/0.4/0.2 (PC-DARTS's search has none: `color_jitter: false`);
the standard statistics; 256 → 224 centre crops for testing. A search uses PC-DARTS's
class-balanced 10 % / 2.5 % subsample (`dataset/split=subsample`, data/split/subsample.py)."""

from __future__ import annotations

from pathlib import Path

from torchvision import transforms as T

from darts_lab.data.errors import DataError
from darts_lab.data.image_folder import ImageFolderDataModule

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


class ImageNetDataModule(ImageFolderDataModule):
    option = "imagenet"

    def __init__(
        self, *args: object, image_size: int = 224, color_jitter: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, image_size=image_size, **kwargs)
        self.color_jitter = color_jitter  # retraining: yes; PC-DARTS's search: no

    def heldout_folder(self) -> Path | None:
        return self.data_dir / "val"

    def check(self) -> None:
        for part in ("train", "val"):
            if not (self.data_dir / part).is_dir():
                raise DataError(
                    f"ILSVRC-2012 not found: no {self.data_dir / part}. Extract "
                    f"ILSVRC2012_img_train.tar into train/<wnid>/ and the validation images into "
                    f"val/<wnid>/ (valprep.sh), then set data_dir=PATH"
                )
        super().check()

    def mode(self) -> str:
        return "RGB"  # a few ILSVRC images are CMYK or grayscale: converted, as PIL loaders do

    def stats(self, mode: str) -> tuple[list[float], list[float]]:
        return MEAN, STD

    def transforms(self, augment: bool, mean: list[float], std: list[float]) -> T.Compose:
        size = self.image_size
        if augment:
            jitter = T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.2)
            steps = [T.RandomResizedCrop(size), T.RandomHorizontalFlip()]
            steps += [jitter] if self.color_jitter else []
        else:
            steps = [T.Resize(round(size * 256 / 224)), T.CenterCrop(size)]
        return T.Compose([*steps, T.ToTensor(), T.Normalize(mean, std)])
