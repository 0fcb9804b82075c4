"""Numerical demonstrations of the CNN principles behind neurovision.models.blocks.

Each test checks the defining property with numbers (not just shapes). float64 throughout where exactness
is claimed.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.signal
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from neurovision.models.blocks import (
    ConvBNReLU,
    DepthwiseSeparableConv2d,
    DilatedConv2d,
    GlobalAveragePool,
    InceptionBlock,
    PointwiseConv2d,
    PreActResidualBlock,
    convolve2d,
    cross_correlate2d,
    dilated_stack,
    empirical_receptive_field,
    pointwise_linear,
    receptive_field,
    separable_conv_params,
    standard_conv_params,
)
from neurovision.training import weight_decay as wd

HYP = settings(max_examples=20, deadline=None)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randomise_bn(module: nn.Module, seed: int) -> None:
    """Give BatchNorm layers non-trivial running statistics and affine parameters (used in eval mode)."""
    g = _gen(seed)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=g, dtype=m.running_mean.dtype))
                m.running_var.copy_(torch.rand(m.num_features, generator=g, dtype=m.running_var.dtype) + 0.5)
                m.weight.copy_(torch.randn(m.num_features, generator=g, dtype=m.weight.dtype))
                m.bias.copy_(torch.randn(m.num_features, generator=g, dtype=m.bias.dtype))


# --------------------------------------------------------------------------------------------------
# Translation equivariance of convolution, invariance after global average pooling
# --------------------------------------------------------------------------------------------------

def _circular_stack(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    net = nn.Sequential(ConvBNReLU(3, 6, 3, padding_mode="circular"),
                        ConvBNReLU(6, 5, 5, padding_mode="circular"),
                        ConvBNReLU(5, 4, 3, dilation=2, padding_mode="circular")).double()
    _randomise_bn(net, seed)
    return net.eval()


@HYP
@given(seed=st.integers(0, 2**16), size=st.integers(8, 14), dy=st.integers(-7, 7), dx=st.integers(-7, 7))
def test_conv_stack_is_translation_equivariant_for_circular_shifts(seed, size, dy, dx):
    net = _circular_stack(seed)
    x = torch.randn(2, 3, size, size, dtype=torch.float64, generator=_gen(seed))
    with torch.no_grad():
        y = net(x)
        y_of_shifted = net(torch.roll(x, shifts=(dy, dx), dims=(-2, -1)))
    # shift in → same shift out
    torch.testing.assert_close(y_of_shifted, torch.roll(y, shifts=(dy, dx), dims=(-2, -1)), rtol=1e-12, atol=1e-12)
    # ... and global average pooling makes the features invariant (exactly, up to summation order)
    gap = GlobalAveragePool()
    torch.testing.assert_close(gap(y_of_shifted), gap(y), rtol=1e-12, atol=1e-12)
    assert gap(y).shape == (2, 4)


@HYP
@given(seed=st.integers(0, 2**16), dy=st.integers(-3, 3), dx=st.integers(-3, 3))
def test_zero_padded_conv_is_equivariant_away_from_borders(seed, dy, dx):
    """With zero padding, equivariance holds wherever neither the shift nor the padding reaches."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Conv2d(3, 2, 5, padding=2)).double()
    size, rf_radius = 24, 1 + 2  # receptive field 7 → radius 3
    x = torch.zeros(1, 2, size, size, dtype=torch.float64)
    x[..., 6:18, 6:18] = torch.randn(1, 2, 12, 12, dtype=torch.float64, generator=_gen(seed))  # zero margin ≥ 6
    with torch.no_grad():
        y = net(x)
        y_shift = net(torch.roll(x, shifts=(dy, dx), dims=(-2, -1)))  # the roll only moves zeros across borders
    m = rf_radius + 3  # interior: receptive field clear of the border for any |shift| ≤ 3
    expected = torch.roll(y, shifts=(dy, dx), dims=(-2, -1))
    torch.testing.assert_close(y_shift[..., m:-m, m:-m], expected[..., m:-m, m:-m], rtol=1e-12, atol=1e-12)


def test_strided_conv_is_equivariant_only_to_multiples_of_the_stride():
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 1, 3, stride=2, padding=1, padding_mode="circular", bias=False).double()
    x = torch.randn(1, 1, 16, 16, dtype=torch.float64, generator=_gen(1))
    with torch.no_grad():
        y = conv(x)
        torch.testing.assert_close(conv(torch.roll(x, 2, dims=-1)), torch.roll(y, 1, dims=-1))
        shifted_by_one = conv(torch.roll(x, 1, dims=-1))
    assert not any(torch.allclose(shifted_by_one, torch.roll(y, s, dims=-1)) for s in range(8))


# --------------------------------------------------------------------------------------------------
# Conv2d is cross-correlation; true convolution flips the kernel
# --------------------------------------------------------------------------------------------------

@HYP
@given(seed=st.integers(0, 2**16), h=st.integers(5, 12), w=st.integers(5, 12), kh=st.integers(1, 5),
       kw=st.integers(1, 5))
def test_conv2d_is_cross_correlation_and_convolution_flips_the_kernel(seed, h, w, kh, kw):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, h, w))            # C_in = 3
    k = rng.standard_normal((2, 3, kh, kw))       # C_out = 2
    xt, kt = torch.from_numpy(x)[None], torch.from_numpy(k)
    conv = nn.Conv2d(3, 2, (kh, kw), bias=False).double()
    with torch.no_grad():
        conv.weight.copy_(kt)
        y_module = conv(xt)[0].numpy()
    y_corr = cross_correlate2d(xt, kt)[0].numpy()
    y_conv = convolve2d(xt, kt)[0].numpy()
    for o in range(2):
        ref_corr = sum(scipy.signal.correlate2d(x[c], k[o, c], mode="valid") for c in range(3))
        ref_conv = sum(scipy.signal.convolve2d(x[c], k[o, c], mode="valid") for c in range(3))
        np.testing.assert_allclose(y_module[o], ref_corr, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(y_corr[o], ref_corr, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(y_conv[o], ref_conv, rtol=1e-10, atol=1e-10)


def test_cross_correlation_differs_from_convolution_for_asymmetric_kernels():
    x = torch.zeros(1, 1, 5, 5, dtype=torch.float64)
    x[0, 0, 2, 2] = 1.0  # an impulse: correlation returns the flipped kernel, convolution the kernel itself
    k = torch.arange(9, dtype=torch.float64).reshape(1, 1, 3, 3)
    torch.testing.assert_close(convolve2d(x, k, padding=1)[0, 0, 1:4, 1:4], k[0, 0])
    torch.testing.assert_close(cross_correlate2d(x, k, padding=1)[0, 0, 1:4, 1:4], torch.flip(k[0, 0], (0, 1)))


# --------------------------------------------------------------------------------------------------
# 1×1 convolution = the same linear map at every pixel
# --------------------------------------------------------------------------------------------------

@HYP
@given(seed=st.integers(0, 2**16), c_in=st.integers(1, 8), c_out=st.integers(1, 8), h=st.integers(1, 6),
       w=st.integers(1, 6), n=st.integers(1, 3))
def test_pointwise_conv_is_a_per_pixel_linear_map(seed, c_in, c_out, h, w, n):
    torch.manual_seed(seed)
    conv = PointwiseConv2d(c_in, c_out).double()
    x = torch.randn(n, c_in, h, w, dtype=torch.float64, generator=_gen(seed))
    with torch.no_grad():
        y = conv(x)
        W, b = conv.matrix(), conv.bias
        torch.testing.assert_close(y, pointwise_linear(x, W, b), rtol=1e-12, atol=1e-12)
        # pixel by pixel, as a matrix–vector product
        for i in range(h):
            for j in range(w):
                torch.testing.assert_close(y[:, :, i, j], x[:, :, i, j] @ W.T + b, rtol=1e-12, atol=1e-12)
        # ... and as nn.Linear applied to the channel-last tensor
        lin = nn.Linear(c_in, c_out).double()
        lin.weight.copy_(W)
        lin.bias.copy_(b)
        torch.testing.assert_close(y, lin(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------------
# Depthwise separable convolution: parameter count
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("k,c_in,c_out", [(3, 256, 256), (3, 512, 512), (5, 64, 128), (3, 32, 64)])
def test_separable_parameter_count(k, c_in, c_out):
    standard = nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False)
    separable = DepthwiseSeparableConv2d(c_in, c_out, k, bias=False, norm=False)
    n_std = sum(p.numel() for p in standard.parameters())
    n_sep = sum(p.numel() for p in separable.parameters())
    assert n_std == standard_conv_params(k, c_in, c_out) == k * k * c_in * c_out
    assert n_sep == separable_conv_params(k, c_in, c_out) == k * k * c_in + c_in * c_out
    assert n_std / n_sep == pytest.approx(1 / (1 / c_out + 1 / (k * k)))
    if (k, c_in, c_out) == (3, 256, 256):
        assert n_std == 589_824 and n_sep == 67_840
        assert 8.5 < n_std / n_sep < 9.0  # ≈ 8.7× fewer
    # same input → output shapes as the standard convolution
    x = torch.randn(1, c_in, 9, 9)
    assert separable(x).shape == standard(x).shape


def test_separable_conv_is_depthwise_then_pointwise():
    """The depthwise step filters each channel on its own: output channel c depends only on input channel c."""
    torch.manual_seed(0)
    block = DepthwiseSeparableConv2d(4, 6, 3, norm=False).double()
    x = torch.randn(1, 4, 7, 7, dtype=torch.float64, requires_grad=True)
    d = block.depthwise(x)
    d[0, 2].sum().backward()
    touched = x.grad[0].abs().sum(dim=(-2, -1)) != 0
    assert touched.tolist() == [False, False, True, False]
    with torch.no_grad():
        expected = pointwise_linear(d, block.pointwise.weight[:, :, 0, 0])
        torch.testing.assert_close(block(x), expected)


# --------------------------------------------------------------------------------------------------
# Dilated convolution: receptive field (k−1)·d+1, exponential growth when stacked
# --------------------------------------------------------------------------------------------------

def _positive(module: nn.Module) -> nn.Module:
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.abs() + 0.1)
    return module


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_dilated_receptive_field_measured_by_gradient(k, d):
    conv = _positive(DilatedConv2d(2, 2, k, dilation=d))
    expected = (k - 1) * d + 1
    assert receptive_field([k], [d]) == expected
    assert empirical_receptive_field(conv, 2, size=41) == (expected, expected)


@pytest.mark.parametrize("k,num_layers", [(3, 1), (3, 2), (3, 3), (3, 4), (5, 3)])
def test_stacked_dilations_grow_receptive_field_exponentially(k, num_layers):
    stack = _positive(dilated_stack(2, k, num_layers, activation=False))
    expected = 1 + (k - 1) * (2 ** num_layers - 1)
    assert receptive_field([k] * num_layers, [2 ** i for i in range(num_layers)]) == expected
    assert empirical_receptive_field(stack, 2, size=expected + 10) == (expected, expected)
    # the same depth without dilation grows only linearly
    plain = _positive(nn.Sequential(*[nn.Conv2d(2, 2, k, padding=k // 2, bias=False) for _ in range(num_layers)]))
    assert empirical_receptive_field(plain, 2, size=expected + 10) == (1 + (k - 1) * num_layers,) * 2


def test_receptive_field_with_strides():
    # 7×7/2 conv, 3×3/2 pool, then a 3×3 conv: 1 + 6 + 2·2 + 2·4 = 19
    assert receptive_field([7, 3, 3], strides=[2, 2, 1]) == 19


# --------------------------------------------------------------------------------------------------
# Inception: parallel branches concatenated on channels
# --------------------------------------------------------------------------------------------------

def test_inception_concatenates_its_branches():
    torch.manual_seed(0)
    block = InceptionBlock(16, ch1x1=4, ch3x3_reduce=6, ch3x3=8, ch5x5_reduce=2, ch5x5=3, pool_proj=5).double()
    _randomise_bn(block, 1)
    block.eval()
    x = torch.randn(2, 16, 9, 11, dtype=torch.float64)
    with torch.no_grad():
        y = block(x)
        assert y.shape == (2, 4 + 8 + 3 + 5, 9, 11) and block.out_channels == 20
        torch.testing.assert_close(y[:, 0:4], block.branch1(x))
        torch.testing.assert_close(y[:, 4:12], block.branch3(x))
        torch.testing.assert_close(y[:, 12:15], block.branch5(x))
        torch.testing.assert_close(y[:, 15:20], block.branch_pool(x))
    # the branch kernels: 1×1, 1×1→3×3, 1×1→5×5, pool→1×1
    assert block.branch3[1][0].kernel_size == (3, 3) and block.branch5[1][0].kernel_size == (5, 5)
    assert isinstance(block.branch_pool[0], nn.MaxPool2d)


def test_inception_reduction_saves_parameters():
    """GoogLeNet inception(3a) 5×5 path: 192 → 32 directly vs through a 1×1 reduction to 16."""
    direct = nn.Conv2d(192, 32, 5, bias=False)
    reduced = nn.Sequential(nn.Conv2d(192, 16, 1, bias=False), nn.Conv2d(16, 32, 5, bias=False))
    n_direct = sum(p.numel() for p in direct.parameters())
    n_reduced = sum(p.numel() for p in reduced.parameters())
    assert (n_direct, n_reduced) == (153_600, 15_872)


# --------------------------------------------------------------------------------------------------
# Pre-activation residual block: identity when F ≡ 0, gradient has the identity term
# --------------------------------------------------------------------------------------------------

def _resblock(seed: int, **kw) -> PreActResidualBlock:
    torch.manual_seed(seed)
    block = PreActResidualBlock(6, 6, **kw).double()
    _randomise_bn(block, seed + 1)
    return block.eval()


@pytest.mark.parametrize("dilation", [1, 2])
def test_preact_residual_with_zero_branch_is_exactly_identity(dilation):
    block = _resblock(0, dilation=dilation).zero_residual()
    assert block.projection is None
    x = torch.randn(3, 6, 8, 8, dtype=torch.float64, requires_grad=True)
    y = block(x)
    assert torch.equal(y, x)
    upstream = torch.randn_like(y)
    y.backward(upstream)
    assert torch.equal(x.grad, upstream)  # ∂y/∂x = I exactly


def test_preact_residual_gradient_is_identity_plus_branch_gradient():
    block = _resblock(3)
    x = torch.randn(2, 6, 8, 8, dtype=torch.float64, requires_grad=True)
    y = block(x)
    torch.testing.assert_close(y, x + block.residual(x))
    upstream = torch.randn_like(y)
    (grad_x,) = torch.autograd.grad(y, x, upstream)
    (grad_through_f,) = torch.autograd.grad(block.residual(x), x, upstream)
    assert not torch.allclose(grad_through_f, torch.zeros_like(grad_through_f))
    torch.testing.assert_close(grad_x - upstream, grad_through_f, rtol=1e-10, atol=1e-12)


def test_preact_residual_projects_only_when_shape_changes():
    assert PreActResidualBlock(8, 8).projection is None
    assert PreActResidualBlock(8, 8, dilation=2).projection is None
    down = PreActResidualBlock(8, 16, stride=2)
    assert isinstance(down.projection, nn.Conv2d) and down.projection.kernel_size == (1, 1)
    assert down(torch.randn(1, 8, 10, 10)).shape == (1, 16, 5, 5)
    assert PreActResidualBlock(8, 8, stride=2).projection is not None


# --------------------------------------------------------------------------------------------------
# A cascade of linear convolutions is one convolution; in Fourier space, a product
# --------------------------------------------------------------------------------------------------

def _embed(kernel: np.ndarray, n: int) -> np.ndarray:
    """Place a centred odd-sized kernel on an n×n torus with its centre at index (0, 0)."""
    out = np.zeros((n, n))
    c = kernel.shape[0] // 2
    for u in range(kernel.shape[0]):
        for v in range(kernel.shape[1]):
            out[(u - c) % n, (v - c) % n] += kernel[u, v]
    return out


def _circular_conv_torch(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """True circular convolution with a centred kernel via torch: circular padding + flipped kernel."""
    p = kernel.shape[0] // 2
    xt = torch.nn.functional.pad(torch.from_numpy(x)[None, None], (p, p, p, p), mode="circular")
    return convolve2d(xt, torch.from_numpy(kernel)[None, None])[0, 0].numpy()


@pytest.mark.parametrize("seed", range(3))
def test_cascade_of_convolutions_is_product_of_fourier_transforms(seed):
    rng = np.random.default_rng(seed)
    n = 16
    x = rng.standard_normal((n, n))
    k1, k2, k3 = rng.standard_normal((3, 3)), rng.standard_normal((5, 5)), rng.standard_normal((3, 3))

    cascade = _circular_conv_torch(_circular_conv_torch(_circular_conv_torch(x, k1), k2), k3)

    # Fourier domain: the cascade multiplies the transforms
    transfer = np.fft.fft2(_embed(k1, n)) * np.fft.fft2(_embed(k2, n)) * np.fft.fft2(_embed(k3, n))
    via_fft = np.real(np.fft.ifft2(np.fft.fft2(x) * transfer))
    np.testing.assert_allclose(cascade, via_fft, atol=1e-10)

    # ... and equals a single convolution with the composed 9×9 kernel k1 * k2 * k3
    composed = scipy.signal.convolve2d(scipy.signal.convolve2d(k1, k2, mode="full"), k3, mode="full")
    assert composed.shape == (9, 9)
    np.testing.assert_allclose(np.fft.fft2(_embed(composed, n)), transfer, atol=1e-10)
    np.testing.assert_allclose(_circular_conv_torch(x, composed), cascade, atol=1e-10)


# --------------------------------------------------------------------------------------------------
# Weight decay = MAP under a Gaussian prior N(0, 1/(λN))
# --------------------------------------------------------------------------------------------------

def _regression(seed: int, n: int = 50, d: int = 4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n)
    return X, y


def test_sgd_weight_decay_step_equals_step_on_penalised_objective():
    torch.manual_seed(0)
    lam, lr = 0.03, 0.1
    X, y = (torch.from_numpy(a) for a in _regression(0))
    w0 = torch.randn(4, dtype=torch.float64)

    def mean_loss(w):
        return 0.5 * ((y - X @ w) ** 2).mean()

    # (a) torch.optim.SGD with weight_decay=λ on the mean loss
    w_a = w0.clone().requires_grad_(True)
    opt = torch.optim.SGD([w_a], lr=lr, weight_decay=lam)
    for _ in range(5):
        opt.zero_grad()
        mean_loss(w_a).backward()
        opt.step()
    # (b) plain gradient descent on L̄ + (λ/2)||w||²
    w_b = w0.clone().requires_grad_(True)
    for _ in range(5):
        (g,) = torch.autograd.grad(wd.penalised_objective(mean_loss(w_b), [w_b], lam), w_b)
        with torch.no_grad():
            w_b -= lr * g
    # (c) the explicit decay form w ← (1 − ηλ)w − η∇L̄
    w_c = w0.clone().requires_grad_(True)
    for _ in range(5):
        w_c.grad = None
        mean_loss(w_c).backward()
        wd.decayed_sgd_step([w_c], lr, lam)
    torch.testing.assert_close(w_a, w_b, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(w_a, w_c, rtol=1e-12, atol=1e-14)
    assert not torch.allclose(w_a, w0)


@pytest.mark.parametrize("lam", [1e-3, 0.05, 1.0])
def test_ridge_minimiser_is_gaussian_prior_map(lam):
    X, y = _regression(1)
    n = X.shape[0]
    prior_var = wd.prior_variance(lam, n)
    assert prior_var == pytest.approx(1 / (lam * n))
    assert wd.weight_decay_from_prior(prior_var, n) == pytest.approx(lam)
    w_map = wd.gaussian_map_linear_regression(X, y, prior_var=prior_var, noise_var=1.0)
    np.testing.assert_allclose(wd.ridge_solution(X, y, lam), w_map, rtol=1e-10)

    # numerical minimiser of the penalised mean loss (1/2N)||y − Xw||² + (λ/2)||w||²
    def objective(w):
        r = y - X @ w
        return 0.5 * np.mean(r ** 2) + 0.5 * lam * w @ w, -(X.T @ r) / n + lam * w
    res = scipy.optimize.minimize(objective, np.zeros(X.shape[1]), jac=True, method="BFGS",
                                  options={"gtol": 1e-12})
    np.testing.assert_allclose(res.x, w_map, rtol=1e-6, atol=1e-9)

    # ... which is also where torch.optim.SGD(weight_decay=λ) on the mean loss converges
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.5, weight_decay=lam)
    for _ in range(500):
        opt.zero_grad()
        (0.5 * ((yt - Xt @ w) ** 2).mean()).backward()
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), w_map, rtol=1e-8, atol=1e-10)

    # the penalised objective is the negative log posterior divided by N (up to a constant)
    def neg_log_posterior(w):
        return 0.5 * np.sum((y - X @ w) ** 2) / 1.0 + 0.5 * w @ w / prior_var
    w1, w2 = np.ones(X.shape[1]), np.linspace(-1, 1, X.shape[1])
    assert (neg_log_posterior(w1) - neg_log_posterior(w2)) / n == pytest.approx(objective(w1)[0] - objective(w2)[0])


def test_weight_decay_prior_tightens_with_more_data():
    assert wd.prior_variance(0.01, 1000) == pytest.approx(0.1 * wd.prior_variance(0.01, 100))
    with pytest.raises(ValueError):
        wd.prior_variance(0.0, 10)


# --------------------------------------------------------------------------------------------------
# Pooling: max-pooling is invariant to shifts within the pool window
# --------------------------------------------------------------------------------------------------

def test_max_pool_invariant_to_shifts_within_window():
    pool = nn.MaxPool2d(2, stride=2)
    base = torch.zeros(1, 1, 4, 4)
    outputs = []
    for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)]:   # a bright pixel anywhere inside the top-left 2×2 cell
        x = base.clone()
        x[0, 0, i, j] = 5.0
        x[0, 0, 3, 2] = 2.0                           # a second feature in the bottom-right cell, fixed
        outputs.append(pool(x))
    expected = torch.tensor([[[[5.0, 0.0], [0.0, 2.0]]]])
    for out in outputs:
        assert torch.equal(out, expected)
    # crossing the cell boundary does change the output — the invariance is only local
    x = base.clone()
    x[0, 0, 0, 2] = 5.0
    x[0, 0, 3, 2] = 2.0
    assert torch.equal(pool(x), torch.tensor([[[[0.0, 5.0], [0.0, 2.0]]]]))


def test_max_pool_of_pattern_invariant_to_one_pixel_shift():
    """A whole image of features on the even grid, shifted by one pixel, pools to the same map."""
    rng = np.random.default_rng(0)
    x = torch.zeros(1, 3, 8, 8, dtype=torch.float64)
    x[..., 0::2, 0::2] = torch.from_numpy(rng.uniform(0.5, 1.0, (1, 3, 4, 4)))
    pool = nn.MaxPool2d(2, stride=2)
    assert torch.equal(pool(x), pool(torch.roll(x, shifts=(1, 1), dims=(-2, -1))))
    assert torch.equal(pool(x), x[..., 0::2, 0::2])
