"""The libvirt compute driver: ``compute_driver = libvirt.LibvirtDriver``."""

from nimbus.virt.libvirt.driver import LibvirtDriver

__all__ = ['LibvirtDriver']
