from policies.services import promote_all_due


def promote_due_versions() -> int:
    return promote_all_due()
