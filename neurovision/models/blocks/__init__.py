"""CNN building blocks, one small module per principle.

* :mod:`.conv` — convolution as cross-correlation, true (flipped) convolution, ``ConvBNReLU``;
* :mod:`.pointwise` — 1×1 convolution as a per-pixel linear map (Lin et al. 2013);
* :mod:`.separable` — depthwise separable convolution (Chollet 2017; Howard et al. 2017);
* :mod:`.dilated` — dilated convolution and receptive-field arithmetic (Yu & Koltun 2016);
* :mod:`.inception` — parallel 1×1 / 3×3 / 5×5 / pool branches (Szegedy et al. 2015);
* :mod:`.residual` — pre-activation residual block (He et al. 2016);
* :mod:`.pooling` — max / global pooling and the invariance they buy.

Each property is demonstrated numerically in ``tests/test_cnn_principles.py``.
"""
from .conv import ConvBNReLU, convolve2d, cross_correlate2d
from .dilated import DilatedConv2d, dilated_stack, empirical_receptive_field, receptive_field
from .inception import InceptionBlock
from .pointwise import PointwiseConv2d, pointwise_linear
from .pooling import GlobalAveragePool, GlobalMaxPool
from .residual import PreActResidualBlock
from .separable import DepthwiseSeparableConv2d, separable_conv_params, standard_conv_params

__all__ = [
    "ConvBNReLU", "convolve2d", "cross_correlate2d",
    "DilatedConv2d", "dilated_stack", "empirical_receptive_field", "receptive_field",
    "InceptionBlock",
    "PointwiseConv2d", "pointwise_linear",
    "GlobalAveragePool", "GlobalMaxPool",
    "PreActResidualBlock",
    "DepthwiseSeparableConv2d", "separable_conv_params", "standard_conv_params",
]
