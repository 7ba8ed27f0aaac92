"""Versioned objects exchanged over RPC.

Call ``register_all()`` once at start-up; registered classes then appear as
attributes of this package (``nimbus.objects.Service``).
"""


def register_all():
    # Importing a module registers the objects it defines.
    __import__('nimbus.objects.block_device')
    __import__('nimbus.objects.compute_node')
    __import__('nimbus.objects.flavor')
    __import__('nimbus.objects.instance')
    __import__('nimbus.objects.instance_action')
    __import__('nimbus.objects.instance_fault')
    __import__('nimbus.objects.instance_info_cache')
    __import__('nimbus.objects.instance_group')
    __import__('nimbus.objects.keypair')
    __import__('nimbus.objects.migration')
    __import__('nimbus.objects.security_group')
    __import__('nimbus.objects.service')
