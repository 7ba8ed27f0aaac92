"""KeyPair: a user's public key (ssh or x509), injected into instances."""

from oslo_versionedobjects import fields

from nimbus.db.api import keypair as keypair_db
from nimbus import exception
from nimbus.objects import base

KEYPAIR_TYPE_SSH = 'ssh'
KEYPAIR_TYPE_X509 = 'x509'


@base.NimbusObjectRegistry.register
class KeyPair(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(read_only=True),
        'name': fields.StringField(),
        'user_id': fields.StringField(nullable=True),
        'fingerprint': fields.StringField(nullable=True),
        'public_key': fields.StringField(nullable=True),
        'type': fields.StringField(default=KEYPAIR_TYPE_SSH),
    })

    @classmethod
    @base.remotable
    def get_by_name(cls, context, user_id, name):
        return base.from_db(cls(context), keypair_db.key_pair_get(
            context, user_id, name))

    @classmethod
    @base.remotable
    def destroy_by_name(cls, context, user_id, name):
        keypair_db.key_pair_destroy(context, user_id, name)

    @base.remotable
    def create(self):
        if self.obj_attr_is_set('id'):
            raise exception.Invalid(reason='key pair already created')
        values = base.changes_for_db(self)
        values.setdefault('type', KEYPAIR_TYPE_SSH)
        base.from_db(self, keypair_db.key_pair_create(self._context, values))

    @base.remotable
    def destroy(self):
        keypair_db.key_pair_destroy(self._context, self.user_id, self.name)


@base.NimbusObjectRegistry.register
class KeyPairList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {'objects': fields.ListOfObjectsField('KeyPair')}

    @classmethod
    @base.remotable
    def get_by_user(cls, context, user_id, limit=None, marker=None):
        rows = keypair_db.key_pair_get_all_by_user(context, user_id,
                                                   limit=limit, marker=marker)
        return cls(context, objects=[base.from_db(KeyPair(context), row)
                                     for row in rows])

    @classmethod
    @base.remotable
    def get_count_by_user(cls, context, user_id):
        return keypair_db.key_pair_count_by_user(context, user_id)
