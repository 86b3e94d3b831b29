"""A small ResNet written the torchvision way, and learners' training scripts, run on tinynet and torch.

(a) ``BasicBlock``/``ResNet`` as torchvision defines them (in our own words): 3x3 convolutions
    without bias, BatchNorm2d, ``ReLU(inplace=True)``, ``out += identity``, a downsample
    ``Sequential`` of a 1x1 convolution and a BatchNorm, Kaiming-normal init (fan_out, relu) and
    constant BatchNorm init by ``isinstance`` over ``self.modules()``, ``zero_init_residual``,
    ``AdaptiveAvgPool2d((1, 1))``, ``torch.flatten(x, 1)``; trained with SGD (momentum, weight decay),
    ``StepLR``, ``zero_grad(set_to_none=True)``, ``running_loss += loss.item() * inputs.size(0)``,
    ``_, predicted = torch.max(outputs, 1)``, then evaluated.
(b) A learner's MLP/CNN script: ``model.apply(init_fn)`` with ``nn.init.xavier_uniform_``/``zeros_``,
    ``named_parameters``, a parameter count, two branches joined by ``torch.cat`` on features,
    ``x.view(x.size(0), -1)``, ``F.dropout(training=self.training)``, ``F.log_softmax`` with
    ``F.nll_loss(reduction='sum')``, ``pred.eq(target.view_as(pred)).sum().item()``, Adam,
    ``optimizer.param_groups[0]['lr']``, ``clip_grad_norm_``, and the best weights kept with
    ``copy.deepcopy(model.state_dict())``.

``same_start(model)`` after each model is built gives both frameworks the same weights; the data
are small MNIST slices.  Printed numbers and the values kept in ``log`` must agree.
"""

import pytest

from program_helpers import mnist_arrays, one_thread  # noqa: F401 (fixture)
from test_programs_training_loops import compare_runs

pytestmark = pytest.mark.usefixtures("one_thread")

RESNET = """
    log = []

    def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
        \"\"\"3x3 convolution with padding\"\"\"
        return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                         groups=groups, bias=False, dilation=dilation)


    def conv1x1(in_planes, out_planes, stride=1):
        \"\"\"1x1 convolution\"\"\"
        return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                     norm_layer=None):
            super().__init__()
            if norm_layer is None:
                norm_layer = nn.BatchNorm2d
            if groups != 1 or base_width != 64:
                raise ValueError("BasicBlock only supports groups=1 and base_width=64")
            self.conv1 = conv3x3(inplanes, planes, stride)
            self.bn1 = norm_layer(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = conv3x3(planes, planes)
            self.bn2 = norm_layer(planes)
            self.downsample = downsample
            self.stride = stride

        def forward(self, x):
            identity = x

            out = self.conv1(x)
            out = self.bn1(out)
            out = self.relu(out)

            out = self.conv2(out)
            out = self.bn2(out)

            if self.downsample is not None:
                identity = self.downsample(x)

            out += identity
            out = self.relu(out)

            return out


    class ResNet(nn.Module):
        def __init__(self, block, layers, num_classes=10, zero_init_residual=False, norm_layer=None):
            super().__init__()
            if norm_layer is None:
                norm_layer = nn.BatchNorm2d
            self._norm_layer = norm_layer
            self.inplanes = 8
            self.dilation = 1
            self.conv1 = nn.Conv2d(1, self.inplanes, kernel_size=3, stride=1, padding=1, bias=False)
            self.bn1 = norm_layer(self.inplanes)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(block, 8, layers[0])
            self.layer2 = self._make_layer(block, 16, layers[1], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(16 * block.expansion, num_classes)

            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

            if zero_init_residual:
                for m in self.modules():
                    if isinstance(m, BasicBlock) and m.bn2.weight is not None:
                        nn.init.constant_(m.bn2.weight, 0)

        def _make_layer(self, block, planes, blocks, stride=1):
            norm_layer = self._norm_layer
            downsample = None
            if stride != 1 or self.inplanes != planes * block.expansion:
                downsample = nn.Sequential(
                    conv1x1(self.inplanes, planes * block.expansion, stride),
                    norm_layer(planes * block.expansion),
                )

            layers = []
            layers.append(block(self.inplanes, planes, stride, downsample, norm_layer=norm_layer))
            self.inplanes = planes * block.expansion
            for _ in range(1, blocks):
                layers.append(block(self.inplanes, planes, norm_layer=norm_layer))

            return nn.Sequential(*layers)

        def _forward_impl(self, x):
            x = self.conv1(x)
            x = self.bn1(x)
            x = self.relu(x)
            x = self.maxpool(x)

            x = self.layer1(x)
            x = self.layer2(x)

            x = self.avgpool(x)
            x = torch.flatten(x, 1)
            x = self.fc(x)

            return x

        def forward(self, x):
            return self._forward_impl(x)


    zero_init = ResNet(BasicBlock, [1, 1], zero_init_residual=True)
    log.append((zero_init.layer1[0].bn2.weight.sum().item(), zero_init.layer2[0].bn1.weight.sum().item()))
    fan_out_std = zero_init.layer2[0].conv1.weight.std().item()   # kaiming: sqrt(2 / (16 * 3 * 3)) = 0.118
    log.append(abs(fan_out_std - (2 / (16 * 9)) ** 0.5) < 0.02)

    torch.manual_seed(0)
    model = same_start(ResNet(BasicBlock, [2, 1]))
    print(model.layer2[0].downsample)
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"{n_params:,} trainable parameters")
    log.append(n_params)

    trainset = TensorDataset(torch.tensor(x_train).view(-1, 1, 28, 28), torch.tensor(y_train))
    testset = TensorDataset(torch.tensor(x_test).view(-1, 1, 28, 28), torch.tensor(y_test))
    trainloader = DataLoader(trainset, batch_size=32, shuffle=False)
    testloader = DataLoader(testset, batch_size=64, shuffle=False)

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)

    for epoch in range(2):
        model.train()
        running_loss, correct, total = 0.0, 0, 0
        for i, (inputs, labels) in enumerate(trainloader):
            optimizer.zero_grad(set_to_none=True)
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()

            running_loss += loss.item() * inputs.size(0)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
        scheduler.step()
        epoch_loss = running_loss / len(trainloader.dataset)
        print(f"Epoch {epoch + 1}: loss {epoch_loss:.4f}  acc {100. * correct / total:.2f}%  "
              f"lr {scheduler.get_last_lr()[0]:.4f}")
        log.append((epoch_loss, correct))

    model.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for images, labels in testloader:
            outputs = model(images)
            test_loss += criterion(outputs, labels).item() * images.size(0)
            predicted = outputs.max(1)[1]
            correct += predicted.eq(labels).sum().item()
    print(f"Test loss {test_loss / len(testset):.4f}, accuracy {correct / len(testset):.4f}")
    log.append((test_loss, correct, model.bn1.running_mean, model.bn1.running_var,
                model.layer1[0].bn1.num_batches_tracked))
"""

LEARNER = """
    import copy

    log = []

    class TwoBranchNet(nn.Module):
        def __init__(self, p=0.3):
            super().__init__()
            self.conv = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(6, 8, 3), nn.ReLU(), nn.MaxPool2d(2, 2))
            self.mlp = nn.Sequential(nn.Linear(784, 32), nn.Tanh())
            self.fc1 = nn.Linear(8 * 6 * 6 + 32, 64)
            self.fc2 = nn.Linear(64, 10)
            self.p = p

        def forward(self, x):
            a = self.conv(x)
            a = a.view(a.size(0), -1)
            b = self.mlp(x.view(x.size(0), -1))
            x = torch.cat((a, b), dim=1)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, p=self.p, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)


    def init_weights(m):
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    torch.manual_seed(42)
    model = TwoBranchNet(p=DROPOUT)
    model.apply(init_weights)
    log.append(all(m.bias.abs().sum().item() == 0 for m in model.modules() if isinstance(m, nn.Linear)))
    same_start(model)
    for name, param in model.named_parameters():
        if param.requires_grad:
            print(name, tuple(param.shape))
    log.append([name for name, _ in model.named_parameters()])
    total_params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log.append((total_params, trainable))

    train_loader = DataLoader(TensorDataset(torch.tensor(x_train).view(-1, 1, 28, 28), torch.tensor(y_train)),
                              batch_size=50)
    test_loader = DataLoader(TensorDataset(torch.tensor(x_test).view(-1, 1, 28, 28), torch.tensor(y_test)),
                             batch_size=100)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)

    best_acc, best_wts = 0.0, copy.deepcopy(model.state_dict())
    for epoch in range(1, 4):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            total_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
            optimizer.step()
            if batch_idx % 3 == 0:
                print(f"epoch {epoch} batch {batch_idx} loss {loss.item():.6f} "
                      f"lr {optimizer.param_groups[0]['lr']:.6f} grad norm {float(total_norm):.4f}")
        scheduler.step()

        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for data, target in test_loader:
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction='sum').item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        accuracy = correct / len(test_loader.dataset)
        print(f"test: average loss {test_loss:.4f}, accuracy {correct}/{len(test_loader.dataset)}")
        log.append((test_loss, correct))
        if accuracy > best_acc:
            best_acc, best_wts = accuracy, copy.deepcopy(model.state_dict())

    model.load_state_dict(best_wts)
    log.append(best_acc)
"""


def names(train, test):
    x_train, y_train = mnist_arrays("train", train)
    x_test, y_test = mnist_arrays("test", test)
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def test_torchvision_style_resnet_trains_to_torch_numbers(capsys, tmp_path, monkeypatch):
    tiny, _, printed = compare_runs(RESNET, capsys, tmp_path, monkeypatch, same_text=True, rtol=2e-3, **names(192, 128))
    assert tiny["log"][0] == (0.0, 16.0) and tiny["log"][1] is True
    assert "trainable parameters" in printed and "Test loss" in printed


def test_learner_script_without_dropout_gives_torch_numbers(capsys, tmp_path, monkeypatch):
    tiny, _, printed = compare_runs(LEARNER, capsys, tmp_path, monkeypatch, same_text=True, rtol=1e-3, DROPOUT=0.0,
                                    **names(300, 200))
    assert tiny["log"][-1] > 0.5  # the best of three short epochs is far above chance


def test_learner_script_with_dropout_learns_on_tinynet():
    # Dropout draws different masks in each framework: no number-for-number comparison, just learning.
    from program_helpers import run
    namespace = run(LEARNER, "tinynet", DROPOUT=0.3, **names(300, 200))
    assert namespace["log"][-1] > 0.5
