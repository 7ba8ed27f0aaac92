"""The metadata API (nimbus-api on ``metadata_listen_port``): what
cloud-init in a guest reads at 169.254.169.254, forwarded by the network
host. See handler.py."""
