"""What the SciTeX Cloud site does so that deactivating an account reaches the portal (see the portal's README).

django-oauth-toolkit 1.7 checks is_active only when a password is given: a refresh token and an access token of a
deactivated user go on working. Deleting them (revoking is not enough while a refresh grace period is set) makes
the portal's next re-check of the account fail with invalid_grant, and the portal then shuts the account out.
"""
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver
from oauth2_provider.models import get_access_token_model, get_grant_model, get_id_token_model, get_refresh_token_model


@receiver(post_save, sender=get_user_model())
def end_tokens_of_inactive_user(sender, instance, **kwargs):
    if instance.is_active:
        return
    for model in (get_refresh_token_model(), get_access_token_model(), get_id_token_model(), get_grant_model()):
        model.objects.filter(user=instance).delete()
