"""Opt-in: ask AWS STS GetCallerIdentity whether a found key pair is live."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Final
from typing import cast

from aws_key_guard import __version__
from aws_key_guard.account import decode_account
from aws_key_guard.error import ScanError
from aws_key_guard.model import Finding
from aws_key_guard.text import printable

if TYPE_CHECKING:  # botocore is an optional extra: imported for real only in Verifier
    from botocore.config import Config
    from botocore.session import Session
    from mypy_boto3_sts import STSClient

# Accounts that issue canary keys, whose use raises an alarm. The Thinkst
# Canarytokens accounts and those of the look-alike canary services come from
# trufflehog's AWS detector (pkg/detectors/aws/access_keys/canary.go); the
# last three are in the list of accounts that kingfisher's AWS validator never
# calls (src/validation/aws.rs). 992382622183 is also the account in the ARN
# that canarytokens.org keys report.
_THINKST: Final = 'Thinkst Canarytokens'
_OTHER: Final = 'canary token service'
CANARY_ACCOUNTS: Final[dict[str, str]] = {
    '052310077262': _THINKST,
    '171436882533': _THINKST,
    '266735846894': _THINKST,
    '534261010715': _THINKST,
    '595918472158': _THINKST,
    '717712589309': _THINKST,
    '730335385048': _THINKST,
    '819147034852': _THINKST,
    '893192397702': _THINKST,
    '992382622183': _THINKST,
    '044858866125': _OTHER,
    '251535659677': _OTHER,
    '344043088457': _OTHER,
    '351906852752': _OTHER,
    '390477818340': _OTHER,
    '426127672474': _OTHER,
    '427150556519': _OTHER,
    '439872796651': _OTHER,
    '445142720921': _OTHER,
    '465867158099': _OTHER,
    '637958123769': _OTHER,
    '693412236332': _OTHER,
    '732624840810': _OTHER,
    '735421457923': _OTHER,
    '959235150393': _OTHER,
    '982842642351': _OTHER,
    '528757803018': _OTHER,
    '538784191382': _OTHER,
    '729780141977': _OTHER,
}

CONNECT_TIMEOUT: Final = 2.0
READ_TIMEOUT: Final = 3.0
# Verification ends this many seconds after its first request, whatever the
# endpoint does (an answer dripped a byte a second defeats per-read timeouts):
# the call under way is given up and every pair not yet asked about is
# unverified, so a --history audit with many pairs still ends soon.
RUN_BUDGET: Final = 10.0
TIME_IS_UP: Final = 'unverified: time for verification is up'
# What AWS answers for an unknown key ID or a secret that does not match it.
_REJECTED_CODES: Final = frozenset({'InvalidClientTokenId', 'SignatureDoesNotMatch'})


class Verifier:
    """One per run: each distinct pair is asked about once, with no retries."""

    def __init__(
        self,
        *,
        _connect_timeout: float = CONNECT_TIMEOUT,
        _read_timeout: float = READ_TIMEOUT,
        _budget: float | None = None,
    ) -> None:
        try:
            import botocore.session
            from botocore.config import Config
        except ModuleNotFoundError as e:
            raise ScanError(
                f'--verify needs botocore ({e.name} is missing): '
                "pip install 'aws-key-guard[verify]'"
            ) from e
        self._session: Session = botocore.session.get_session()
        self._config: Config = Config(
            connect_timeout=_connect_timeout,
            read_timeout=_read_timeout,
            retries={'total_max_attempts': 1},
            user_agent_extra=f'aws-key-guard/{__version__}',
        )
        self._budget = RUN_BUDGET if _budget is None else _budget
        self._deadline: float | None = None  # set when the first request starts
        self._verdicts: dict[tuple[bytes, bytes], str] = {}
        self._failure: str | None = None  # after one failed call, make no more

    def verify_findings(self, findings: Sequence[Finding]) -> list[Finding]:
        """The findings with a verdict on each key pair (AKG001); others unchanged."""
        return [
            f._replace(verdict=self.verdict(f.key_id, f.secret))
            if f.key_id is not None and f.secret is not None
            else f
            for f in findings
        ]

    def verdict(self, key_id: bytes, secret: bytes) -> str:
        """`live: ARN`, `rejected`, `unverified: reason` or `canary: service, ...`."""
        pair = (key_id, secret)
        if pair not in self._verdicts:
            # The server's words (an ARN, an error code) are shown as printable ASCII.
            self._verdicts[pair] = printable(self._decide(key_id, secret), ascii_only=True)
        return self._verdicts[pair]

    def _decide(self, key_id: bytes, secret: bytes) -> str:
        account = decode_account(key_id)
        service = None if account is None else CANARY_ACCOUNTS.get(f'{account:012d}')
        if service is not None:
            return f'canary: {service}, not sent to STS'
        if key_id.startswith(b'ASIA'):
            return 'unverified: a temporary key needs its session token'
        if not key_id.startswith(b'AKIA'):
            return f'unverified: {key_id[:4].decode()} keys are not sent to STS'
        if self._failure is not None:
            return f'unverified: {self._failure}'
        if self._deadline is None:
            self._deadline = time.monotonic() + self._budget
        if time.monotonic() > self._deadline:
            return TIME_IS_UP
        verdict = self._ask(key_id.decode(), secret.decode(), self._deadline)
        if verdict.startswith('unverified: '):
            self._failure = verdict.removeprefix('unverified: ')
        return verdict

    def _ask(self, key_id: str, secret: str, deadline: float) -> str:
        # The call runs in a daemon thread that is waited for until the
        # deadline at most, then left behind: no socket timeout bounds a whole
        # call. Whatever goes wrong in it, the finding keeps its line.
        import threading

        answer: list[str] = []

        def call() -> None:
            try:
                answer.append(self._call_sts(key_id, secret))
            except Exception as e:  # a failed check never loses its finding
                # The type only: a message may quote the request or the answer.
                answer.append(f'unverified: unexpected error ({type(e).__name__})')

        thread = threading.Thread(target=call, name='aws-key-guard-verify', daemon=True)
        thread.start()
        thread.join(max(deadline - time.monotonic(), 0.0))
        return answer[0] if answer else TIME_IS_UP

    def _call_sts(self, key_id: str, secret: str) -> str:
        from botocore.exceptions import BotoCoreError
        from botocore.exceptions import ClientError
        from botocore.exceptions import ConnectionError
        from botocore.exceptions import ConnectTimeoutError
        from botocore.exceptions import ReadTimeoutError
        from botocore.parsers import ResponseParserError

        try:
            region = self._session.get_config_variable('region') or 'us-east-1'
            client = cast(
                'STSClient',
                self._session.create_client(
                    'sts',
                    region_name=region,
                    aws_access_key_id=key_id,
                    aws_secret_access_key=secret,
                    config=self._config,
                ),
            )
        except ValueError as e:  # a malformed AWS_ENDPOINT_URL(_STS)
            return f'unverified: {e}'
        except BotoCoreError as e:  # AWS_PROFILE names no profile, a broken config file
            return f'unverified: AWS configuration error ({type(e).__name__})'
        try:
            identity = client.get_caller_identity()
        except ClientError as e:
            code = e.response.get('Error', {}).get('Code', 'unknown error')
            return 'rejected' if code in _REJECTED_CODES else f'unverified: {code}'
        except (ConnectTimeoutError, ReadTimeoutError):
            return 'unverified: timeout'
        except ConnectionError:
            return f'unverified: cannot connect to {client.meta.endpoint_url}'
        except (ResponseParserError, KeyError):  # KeyError: XML without STS's result element
            return 'unverified: the answer is not from STS'
        except BotoCoreError as e:
            return f'unverified: network error ({type(e).__name__})'
        arn = identity.get('Arn', '')
        return f'live: {arn}' if arn else 'unverified: the answer is not from STS'
