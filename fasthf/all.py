"User-facing convenience: `from fasthf.all import *` brings in every public name, fastai style."
from fasthf.core import *
from fasthf.data import *
from fasthf.learner import *
from fasthf.classification import *
from fasthf.lm import *
from fasthf.checkpoint import *
from fasthf.windows import *
from fasthf.ner import *
from fasthf.qa import *
from fasthf.seq2seq import *
from fasthf.distributed import *
from fasthf.lora import *
from fasthf.tasks import *
from fasthf.ulmfit import *
from fasthf.external import *
from fasthf.stream import *
