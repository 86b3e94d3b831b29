"""The blitz "Training a Classifier" (CIFAR-10) and the "Transfer Learning" tutorial's ``train_model`` loop,
run on tinynet and on torch (in our own words; small random 3x32x32 images stand in for CIFAR-10 and a
small CNN for the pretrained ResNet).

Idioms: ``running_loss`` printed every few mini-batches with ``{...:.3f}``, ``torch.save(net.state_dict(),
PATH)``, ``images, labels = next(dataiter)``, ``_, predicted = torch.max(outputs, 1)``,
``classes[predicted[j]]`` (a 0-d tensor as a list index), per-class accuracy with ``if label ==
prediction``; phases with ``model.train()``/``model.eval()`` and ``torch.set_grad_enabled(phase ==
'train')``, ``running_corrects += torch.sum(preds == labels.data)``, ``running_corrects.double() /
size`` formatted with ``:.4f``, ``copy.deepcopy(model.state_dict())``, ``lr_scheduler.StepLR``, a new
``model.fc`` head.  Every printed number and ``log`` entry must agree.
"""

import numpy as np
import pytest

from program_helpers import one_thread  # noqa: F401 (fixture)
from test_programs_training_loops import compare_runs

pytestmark = pytest.mark.usefixtures("one_thread")

CLASSIFIER = """
    import copy
    log = []
    classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
    batch_size = 4
    trainset = TensorDataset(torch.tensor(TRAIN_X), torch.tensor(TRAIN_Y))     # dataset lines
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=False, num_workers=2)
    testset = TensorDataset(torch.tensor(TEST_X), torch.tensor(TEST_Y))
    testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=False, num_workers=2)


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)  # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x


    net = same_start(Net())
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

    for epoch in range(2):  # loop over the dataset multiple times
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            # get the inputs; data is a list of [inputs, labels]
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()

            running_loss += loss.item()
            if i % 5 == 4:    # print every 5 mini-batches
                print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 5:.3f}')
                log.append(running_loss)
                running_loss = 0.0
    print('Finished Training')

    PATH = './cifar_net.pth'
    torch.save(net.state_dict(), PATH)

    dataiter = iter(testloader)
    images, labels = next(dataiter)
    print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))
    net = Net()
    net.load_state_dict(torch.load(PATH, weights_only=True))
    outputs = net(images)
    _, predicted = torch.max(outputs, 1)
    print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}' for j in range(4)))
    log.append([classes[predicted[j]] for j in range(4)])

    correct = 0
    total = 0
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    print(f'Accuracy of the network on the test images: {100 * correct // total} %')
    log.append((correct, total))

    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predictions = torch.max(outputs, 1)
            for label, prediction in zip(labels, predictions):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    for classname, correct_count in correct_pred.items():
        if total_pred[classname]:
            accuracy = 100 * float(correct_count) / total_pred[classname]
            print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
    log.append((correct_pred, total_pred))

    # -- the transfer-learning tutorial's train_model, on this net with a new head --
    def train_model(model, criterion, optimizer, scheduler, num_epochs=2):
        best_model_wts = copy.deepcopy(model.state_dict())
        best_acc = 0.0
        for epoch in range(num_epochs):
            print(f'Epoch {epoch}/{num_epochs - 1}')
            for phase in ['train', 'val']:
                if phase == 'train':
                    model.train()
                else:
                    model.eval()
                running_loss = 0.0
                running_corrects = 0
                for inputs, labels in dataloaders[phase]:
                    optimizer.zero_grad()
                    with torch.set_grad_enabled(phase == 'train'):
                        outputs = model(inputs)
                        _, preds = torch.max(outputs, 1)
                        loss = criterion(outputs, labels)
                        if phase == 'train':
                            loss.backward()
                            optimizer.step()
                    running_loss += loss.item() * inputs.size(0)
                    running_corrects += torch.sum(preds == labels.data)
                if phase == 'train':
                    scheduler.step()
                epoch_loss = running_loss / dataset_sizes[phase]
                epoch_acc = running_corrects.double() / dataset_sizes[phase]
                print(f'{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}')
                log.append((epoch_loss, epoch_acc))
                if phase == 'val' and epoch_acc > best_acc:
                    best_acc = epoch_acc
                    best_model_wts = copy.deepcopy(model.state_dict())
        print(f'Best val Acc: {best_acc:4f}')
        model.load_state_dict(best_model_wts)
        return model

    dataloaders = {'train': trainloader, 'val': testloader}
    dataset_sizes = {'train': len(trainset), 'val': len(testset)}
    model_ft = net
    for param in model_ft.parameters():
        param.requires_grad = False
    num_ftrs = model_ft.fc3.in_features
    model_ft.fc3 = same_start(nn.Linear(num_ftrs, 10))
    optimizer_ft = optim.SGD(model_ft.fc3.parameters(), lr=0.01, momentum=0.9)
    exp_lr_scheduler = optim.lr_scheduler.StepLR(optimizer_ft, step_size=1, gamma=0.1)
    model_ft = train_model(model_ft, criterion, optimizer_ft, exp_lr_scheduler, num_epochs=2)
    log.append(model_ft.fc3.weight)
"""


def test_training_a_classifier_and_train_model_give_torch_numbers(capsys, tmp_path, monkeypatch):
    rng = np.random.default_rng(12)
    means = rng.standard_normal((10, 3, 1, 1)).astype(np.float32)  # a class-dependent colour: learnable
    train_y, test_y = rng.integers(0, 10, 40), rng.integers(0, 10, 16)
    train_x = (means[train_y] + rng.standard_normal((40, 3, 32, 32))).astype(np.float32)
    test_x = (means[test_y] + rng.standard_normal((16, 3, 32, 32))).astype(np.float32)
    tiny, _, printed = compare_runs(CLASSIFIER, capsys, tmp_path, monkeypatch, same_text=True, rtol=2e-3, TRAIN_X=train_x,
                                    TRAIN_Y=train_y, TEST_X=test_x, TEST_Y=test_y)
    assert "Finished Training" in printed and "Predicted: " in printed and "Best val Acc" in printed
