"""The two places where tools plug into the autograd engine.

* ``forward_check``: None, or a callable ``check(node, output)`` that
  ``Function.apply`` runs after every op's forward.  Only
  ``tinynet.detect_anomaly()`` sets it, so ops otherwise pay one ``is None`` test.
* ``backward_listeners``: callables ``listener(node, grad_output, input_grads)``
  that the engine calls right after each node's backward -- how
  ``tinynet.trace_backward()``, ``detect_anomaly()`` and the graph drawings
  watch the chain rule run.

Both are for the whole process (tools switch them on around a block of code).
"""

forward_check = None

backward_listeners = []
