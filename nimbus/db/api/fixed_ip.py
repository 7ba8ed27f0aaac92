"""Fixed IPs: addresses of networks, allocated to instances, leased by
dnsmasq."""

from nimbus.db.api import utils
from nimbus.db import models
from nimbus.db import session
from nimbus import exception

FixedIp = models.FixedIp
VirtualInterface = models.VirtualInterface


def _by_address(context, address):
    row = context.session.scalars(utils.model_query(context, FixedIp).where(
        FixedIp.address == address)).first()
    if row is None:
        raise exception.FixedIpNotFoundForAddress(address=address)
    return row


@session.reader
def fixed_ip_get_by_address(context, address):
    return _by_address(context, address).as_dict()


@session.writer
def fixed_ip_set_leased(context, address, mac, leased):
    """Record a DHCP lease event for ``address`` handed to ``mac``.

    The MAC must be that of the address's virtual interface: a lease seen
    for another MAC changes nothing.  When a lease ends on an address no
    longer allocated, the address goes back to the pool.
    """
    row = _by_address(context, address)
    if row.virtual_interface_id is not None:
        vif = context.session.get(VirtualInterface, row.virtual_interface_id)
        if vif is not None and vif.address.lower() != mac.lower():
            raise exception.FixedIpMacMismatch(address=address,
                                               expected=vif.address, mac=mac)
    row.leased = leased
    if not leased and not row.allocated:
        row.instance_uuid = None
        row.virtual_interface_id = None
    return row.as_dict()
