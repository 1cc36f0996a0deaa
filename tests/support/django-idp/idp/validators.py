from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    # The request-less form (callables taking the request) is what makes DOT 1.7 list these claims in the
    # discovery document's claims_supported; 1.7 puts them in ID token and userinfo whatever the scopes.
    def get_additional_claims(self):
        return {
            "preferred_username": lambda request: request.user.get_username(),
            "email": lambda request: request.user.email,
            "name": lambda request: request.user.get_full_name() or request.user.get_username(),
            # What the portal's ADMIN_CLAIM and per-group quotas read, asked again at every re-check (userinfo).
            "is_staff": lambda request: request.user.is_staff,
            "groups": lambda request: sorted(group.name for group in request.user.groups.all()),
        }
