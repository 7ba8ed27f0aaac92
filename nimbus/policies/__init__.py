"""Default policy rules, in code; one module per resource adds its own.

Base rules (Nova's secure-RBAC personas):
  admin_api          an administrator
  project_member_api a member of the target project, or an administrator
  project_reader_api a reader (or member) of the target project, or admin
"""

import itertools

from oslo_policy import policy

ADMIN = 'rule:admin_api'
PROJECT_MEMBER = 'rule:project_member_api'
PROJECT_READER = 'rule:project_reader_api'
PROJECT_MEMBER_OR_ADMIN = PROJECT_MEMBER
PROJECT_READER_OR_ADMIN = PROJECT_READER

base_rules = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       'Decides who is an administrator.'),
    policy.RuleDefault('admin_api', 'is_admin:True or role:admin',
                       'An administrator.'),
    policy.RuleDefault(
        'project_member_api',
        '(role:member and project_id:%(project_id)s) or rule:admin_api',
        'A member of the project the resource belongs to.'),
    policy.RuleDefault(
        'project_reader_api',
        '((role:reader or role:member) and project_id:%(project_id)s) or '
        'rule:admin_api',
        'A reader of the project the resource belongs to.'),
]

# Modules that define rules of their own; each has list_rules().
_MODULES = ('compute_resources', 'image', 'network_proxies', 'servers')


def list_rules():
    import importlib
    modules = [importlib.import_module('nimbus.policies.' + name)
               for name in _MODULES]
    return list(itertools.chain(base_rules,
                                *(module.list_rules() for module in modules)))
