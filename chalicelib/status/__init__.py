"""How a monitor goes Up or Down: the state machine and the evaluator."""
