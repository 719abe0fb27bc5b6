# correct: textbook code with Korean comments, a UTF-8 byte order mark and CRLF line endings
import numpy as np


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        # x가 0 이하인 원소는 True
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0

        return out

    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout

        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        # 시그모이드 함수: 출력을 저장해 두었다가 역전파에 쓴다
        out = 1 / (1 + np.exp(-x))
        self.out = out

        return out

    def backward(self, dout):
        dx = dout * (1.0 - self.out) * self.out

        return dx


class Tanh:
    def __init__(self):
        self.out = None

    def forward(self, x):
        out = np.tanh(x)
        self.out = out

        return out

    def backward(self, dout):
        # tanh의 미분은 1 - y^2
        dx = dout * (1.0 - self.out ** 2)

        return dx
