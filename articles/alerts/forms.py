"""What the alert pages accept over HTTP."""

from django import forms

from .models import Subscription


class SubscribeForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254)
    frequency = forms.ChoiceField(
        label="How often",
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
    )

    def clean_email(self):
        """An address at a mail domain: Django also takes name@localhost and name@[10.0.0.5], which
        would have our mail server connect to a machine a visitor chose."""
        email = self.cleaned_data["email"]
        domain = email.rpartition("@")[2]
        if domain.startswith("[") or "." not in domain:
            raise forms.ValidationError("Enter an address at a mail domain, such as name@example.org.")
        return email


class ManageForm(forms.Form):
    """One change on the manage page: the button pressed, and the subscription it is for."""

    action = forms.ChoiceField(
        choices=[(name, name) for name in ("frequency", "pause", "resume", "delete", "delete_all")]
    )
    subscription = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    frequency = forms.ChoiceField(required=False, choices=Subscription.Frequency.choices)
