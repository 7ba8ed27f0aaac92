from nimbus import context as nimbus_context


def test_to_dict_from_dict_round_trip():
    ctxt = nimbus_context.RequestContext(user_id='u', project_id='p',
                                         roles=['reader'], read_deleted='yes')
    back = nimbus_context.RequestContext.from_dict(ctxt.to_dict())
    assert (back.user_id, back.project_id, back.roles, back.read_deleted,
            back.is_admin) == ('u', 'p', ['reader'], 'yes', False)


def test_elevated_is_admin_and_leaves_original_alone():
    ctxt = nimbus_context.RequestContext(user_id='u', project_id='p',
                                         roles=['member'])
    admin = ctxt.elevated(read_deleted='yes')
    assert admin.is_admin and 'admin' in admin.roles
    assert admin.read_deleted == 'yes'
    assert not ctxt.is_admin and ctxt.roles == ['member']
    assert admin.request_id == ctxt.request_id


def test_admin_context():
    ctxt = nimbus_context.get_admin_context()
    assert ctxt.is_admin and ctxt.project_id is None
