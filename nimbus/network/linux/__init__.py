"""The Linux host side of nimbus-network, one narrow module per area:

``links``
    bridges, VLAN devices, addresses and sysctls, through netlink
    (pyroute2); no ``ip`` or ``brctl`` commands.
``dnsmasq``
    one dnsmasq per network: its files, start, reload, stop, lease release.
``iptables``
    ``IptablesManager``: the ``nimbus-*`` chains, applied with
    ``iptables-restore --noflush``; never touches rules it did not write.
``command``
    how the host commands above are run.

These modules are the whole root surface of nimbus-network (and of the
iptables firewall of nimbus-compute). They never import the database.
"""
