"""A small DCGAN written the way PyTorch's DCGAN tutorial writes it, and a learner's 1-D CNN over signals,
run on tinynet and on torch (in our own words).

(a) Generator of ``ConvTranspose2d`` + ``BatchNorm2d`` + ``ReLU`` ending in ``Tanh``; discriminator of
    ``Conv2d`` + ``LeakyReLU(0.2, inplace=True)`` ending in ``Sigmoid``; ``weights_init`` with
    ``m.weight.data.normal_(0.0, 0.02)`` and ``nn.init.constant_(m.bias.data, 0)`` through
    ``apply``; ``BCELoss``, Adam with ``betas=(0.5, 0.999)``, ``torch.full(..., real_label)``,
    ``output.view(-1)``, ``fake.detach()``, ``fill_``, ``D_x = output.mean().item()``.
(b) ``Conv1d``/``MaxPool1d``/``AdaptiveAvgPool1d`` over (N, C, L) signals with ``BatchNorm1d``.
(c) A learner's sequence models: an ``Embedding`` + 2-layer ``LSTM(batch_first=True)`` classifier reading its
    last hidden state (``h_n[-1]``), with ``clip_grad_norm_``; and a character-level ``GRU`` language model that
    carries its hidden state across batches, detached (truncated backpropagation through time).
(d) A tiny GPT as learners write one after nanoGPT: token and position embeddings, causal self-attention with
    ``F.scaled_dot_product_attention(is_causal=True)`` and a hand-written masked version side by side,
    ``nn.TransformerEncoderLayer(norm_first=True)`` with a causal mask, AdamW, ``clip_grad_norm_``.

The noise and the starting weights are the same numbers in both runs (``same_start`` after the
random initialisation); printed numbers and ``log`` must agree.
"""

import numpy as np
import pytest

from program_helpers import mnist_arrays, one_thread  # noqa: F401 (fixture)
from test_programs_training_loops import compare_runs

pytestmark = pytest.mark.usefixtures("one_thread")

DCGAN = """
    log = []
    nz, ngf, ndf, nc = 8, 16, 8, 1
    real_label, fake_label = 1., 0.

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find('Conv') != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find('BatchNorm') != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    class Generator(nn.Module):
        def __init__(self):
            super(Generator, self).__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf, 7, 1, 0, bias=False),
                nn.BatchNorm2d(ngf),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf, ngf // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf // 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf // 2, nc, 4, 2, 1, bias=False),
                nn.Tanh()
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super(Discriminator, self).__init__()
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False),
                nn.Sigmoid()
            )

        def forward(self, input):
            return self.main(input)

    netG = Generator()
    netG.apply(weights_init)
    log.append(abs(netG.main[0].weight.std().item() - 0.02) < 0.005)
    same_start(netG)
    netD = Discriminator()
    netD.apply(weights_init)
    same_start(netD)
    print(netG)

    criterion = nn.BCELoss()
    fixed_noise = torch.tensor(NOISE[:4])
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

    dataloader = DataLoader(TensorDataset(torch.tensor(images).view(-1, 1, 28, 28) * 2 - 1), batch_size=16)
    iters = 0
    for epoch in range(2):
        for i, data in enumerate(dataloader, 0):
            # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
            netD.zero_grad()
            real_cpu = data[0]
            b_size = real_cpu.size(0)
            label = torch.full((b_size,), real_label, dtype=torch.float)
            output = netD(real_cpu).view(-1)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            noise = torch.tensor(NOISE[iters % 3 * 16: iters % 3 * 16 + b_size])   # randn(b_size, nz, 1, 1)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach()).view(-1)
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            # (2) Update G: maximize log(D(G(z)))
            netG.zero_grad()
            label.fill_(real_label)
            output = netD(fake).view(-1)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            print('[%d/%d][%d/%d]\\tLoss_D: %.4f\\tLoss_G: %.4f\\tD(x): %.4f\\tD(G(z)): %.4f / %.4f'
                  % (epoch, 2, i, len(dataloader), errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
            log.append((errD.item(), errG.item()))
            iters += 1

    with torch.no_grad():
        fake = netG(fixed_noise).detach().cpu()
    log.append(fake)
"""

SIGNALS = """
    log = []

    class SignalNet(nn.Module):
        def __init__(self, channels=2, classes=3):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv1d(channels, 8, kernel_size=5, padding=2),
                nn.BatchNorm1d(8),
                nn.ReLU(),
                nn.MaxPool1d(2),
                nn.Conv1d(8, 16, kernel_size=3, padding="same"),
                nn.ReLU(),
                nn.AdaptiveAvgPool1d(1),
            )
            self.classifier = nn.Linear(16, classes)

        def forward(self, x):
            x = self.features(x)
            return self.classifier(x.squeeze(-1))

    model = same_start(SignalNet())
    loader = DataLoader(TensorDataset(torch.tensor(SIGNAL_X), torch.tensor(SIGNAL_Y)), batch_size=16)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(3):
        model.train()
        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * x.size(0)
        print(f"epoch {epoch}: loss {total / len(loader.dataset):.5f}")
        log.append(total)
    model.eval()
    with torch.no_grad():
        log.append(model(torch.tensor(SIGNAL_X[:8])))
"""


SEQUENCES = """
    log = []

    class SequenceClassifier(nn.Module):
        def __init__(self, vocab, embed_dim=8, hidden=16, classes=2):
            super().__init__()
            self.embedding = nn.Embedding(vocab, embed_dim)
            self.lstm = nn.LSTM(embed_dim, hidden, num_layers=2, batch_first=True)
            self.fc = nn.Linear(hidden, classes)

        def forward(self, tokens):
            embedded = self.embedding(tokens)
            output, (h_n, c_n) = self.lstm(embedded)
            return self.fc(h_n[-1])

    model = same_start(SequenceClassifier(VOCAB))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    tokens, labels = torch.tensor(TOKENS), torch.tensor(LABELS)
    for step in range(12):
        optimizer.zero_grad()
        loss = criterion(model(tokens), labels)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        if step % 4 == 0:
            print(f"step {step}: loss {loss.item():.5f}")
        log.append(loss.item())

    class CharModel(nn.Module):
        def __init__(self, vocab, hidden=12):
            super().__init__()
            self.embed = nn.Embedding(vocab, hidden)
            self.rnn = nn.GRU(hidden, hidden, batch_first=True)
            self.head = nn.Linear(hidden, vocab)

        def forward(self, x, h=None):
            out, h = self.rnn(self.embed(x), h)
            return self.head(out), h

    lm = same_start(CharModel(VOCAB))
    optimizer = optim.SGD(lm.parameters(), lr=0.5)
    hidden = None
    text = torch.tensor(TEXT)
    for start in range(0, text.size(1) - 6, 6):
        inputs, targets = text[:, start:start + 6], text[:, start + 1:start + 7]
        if hidden is not None:
            hidden = hidden.detach()
        logits, hidden = lm(inputs, hidden)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append(loss.item())
    print(f"language model: loss {loss.item():.5f}, hidden {tuple(hidden.shape)}")
"""


TINY_GPT = """
    log = []

    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head, by_hand):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.n_head, self.by_hand = n_head, by_hand
            self.register_buffer("bias", torch.tril(torch.ones(BLOCK, BLOCK)).view(1, 1, BLOCK, BLOCK))

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(C, dim=2)
            q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
            if self.by_hand:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
                y = F.softmax(att, dim=-1) @ v
            else:
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    class TinyGPT(nn.Module):
        def __init__(self, vocab, n_embd=16, n_head=2):
            super().__init__()
            self.tok = nn.Embedding(vocab, n_embd)
            self.pos = nn.Embedding(BLOCK, n_embd)
            self.attn = nn.ModuleList([CausalSelfAttention(n_embd, n_head, by_hand) for by_hand in (True, False)])
            self.block = nn.TransformerEncoderLayer(n_embd, n_head, 32, dropout=0.0, batch_first=True,
                                                    norm_first=True)
            self.ln_f = nn.LayerNorm(n_embd)
            self.head = nn.Linear(n_embd, vocab, bias=False)

        def forward(self, idx, targets=None):
            T = idx.size(1)
            x = self.tok(idx) + self.pos(torch.arange(T))
            for attn in self.attn:
                x = x + attn(x)
            x = self.block(x, src_mask=nn.Transformer.generate_square_subsequent_mask(T), is_causal=True)
            logits = self.head(self.ln_f(x))
            loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
            return logits, loss

    model = same_start(TinyGPT(VOCAB))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    data = torch.tensor(TEXT)
    for step in range(8):
        x = torch.stack([row[:BLOCK] for row in data])  # (nanoGPT's get_batch stacks its rows)
        y = torch.stack([row[1:BLOCK + 1] for row in data])
        logits, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        log.append(loss.item())
    print(f"tiny GPT: loss {log[0]:.4f} -> {log[-1]:.4f}")
"""


def test_tiny_gpt_trains_to_torch_numbers(capsys, tmp_path, monkeypatch):
    import math

    text = np.random.default_rng(13).integers(0, 7, (4, 9))
    tiny, _, printed = compare_runs(TINY_GPT, capsys, tmp_path, monkeypatch, same_text=True, rtol=2e-3, VOCAB=7,
                                    BLOCK=8, TEXT=text, math=math)
    assert tiny["log"][-1] < tiny["log"][0] and "tiny GPT" in printed


def test_sequence_models_train_to_torch_numbers(capsys, tmp_path, monkeypatch):
    rng = np.random.default_rng(12)
    tokens = rng.integers(1, 6, (16, 7))
    labels = (tokens[:, 0] > tokens[:, -1]).astype(np.int64)  # (needs the first step carried to the last)
    text = rng.integers(0, 6, (4, 31))
    tiny, _, printed = compare_runs(SEQUENCES, capsys, tmp_path, monkeypatch, same_text=True, rtol=1e-3, VOCAB=6,
                                    TOKENS=tokens, LABELS=labels, TEXT=text)
    assert tiny["log"][11] < tiny["log"][0] and "hidden (1, 4, 12)" in printed


def test_dcgan_tutorial_trains_to_torch_numbers(capsys, tmp_path, monkeypatch):
    images, _ = mnist_arrays("train", 48)
    noise = np.random.default_rng(10).standard_normal((48, 8, 1, 1)).astype(np.float32)
    tiny, _, printed = compare_runs(DCGAN, capsys, tmp_path, monkeypatch, same_text=True, rtol=2e-3, images=images, NOISE=noise)
    assert tiny["log"][0] is True and printed.count("Loss_D") == 6
    assert tuple(tiny["log"][-1].shape) == (4, 1, 28, 28)


def test_1d_cnn_over_signals_trains_to_torch_numbers(capsys, tmp_path, monkeypatch):
    rng = np.random.default_rng(11)
    y = rng.integers(0, 3, 64)
    t = np.linspace(0, 1, 40, dtype=np.float32)
    x = np.stack([np.stack([np.sin(2 * np.pi * (k + 1) * t), np.cos(2 * np.pi * (k + 1) * t)]) for k in y])
    x = (x + 0.3 * rng.standard_normal(x.shape)).astype(np.float32)
    tiny, _, _ = compare_runs(SIGNALS, capsys, tmp_path, monkeypatch, same_text=True, rtol=1e-3, SIGNAL_X=x, SIGNAL_Y=y)
    assert tiny["log"][2] < tiny["log"][0]
