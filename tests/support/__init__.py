"""What the tests share and do not test: fakes of the vendors' HTTP APIs, the real mail stack on
loopback, how a person answers a message, the libical reader, and the scenario workspace."""
