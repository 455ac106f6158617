"""The learning loop: dispatcher corrections and wrong-unit returns become labelled examples;
a retraining job trains a candidate and promotes it only if it is not worse."""
