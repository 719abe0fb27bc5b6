# correct: a shared base class with type hints, a tuple cache, operator functions, the demo under __main__
from __future__ import annotations

import operator
from typing import Any, Tuple

import numpy as np

Number = Any  # a Python number, a numpy scalar or an array


class Layer:
    """Common interface of the graph's nodes."""

    def forward(self, x: Number, y: Number) -> Number:
        raise NotImplementedError

    def backward(self, dout: Number) -> Tuple[Number, Number]:
        raise NotImplementedError


class MulLayer(Layer):
    def __init__(self) -> None:
        super().__init__()
        self.x = None
        self.y = None
        self._cache: tuple = ()

    def forward(self, x: Number, y: Number) -> Number:
        self._cache = (x, y)
        self.x, self.y = self._cache
        return operator.mul(x, y)

    def backward(self, dout: Number) -> Tuple[Number, Number]:
        x, y = self._cache
        return operator.mul(dout, y), operator.mul(dout, x)


class AddLayer(Layer):
    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: Number, y: Number) -> Number:
        return operator.add(x, y)

    def backward(self, dout: Number) -> Tuple[Number, Number]:
        return operator.mul(dout, 1), operator.mul(dout, 1)


def _demo() -> None:
    apple, apple_num, orange, orange_num, tax = 100, 2, 150, 3, 1.1
    layers = [MulLayer(), MulLayer(), AddLayer(), MulLayer()]
    mul_apple, mul_orange, add, mul_tax = layers
    total = mul_tax.forward(add.forward(mul_apple.forward(apple, apple_num),
                                        mul_orange.forward(orange, orange_num)), tax)
    dall, dtax = mul_tax.backward(1)
    da, do = add.backward(dall)
    print(total, mul_apple.backward(da), mul_orange.backward(do), dtax)


if __name__ == "__main__":
    _demo()
